"""user add|list|password|role|remove: the workspace's accounts (`scheduler serve`), coordinators'
and readers'."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scheduler.base.errors import UsageError
from scheduler.base.swedish import count
from scheduler.commands.context import Context, now_utc


def _password(args: argparse.Namespace, *, nothing_done: str) -> str:
    """From standard input (one line) with --password-stdin, else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Samma lösenord igen: ") != first:
        raise UsageError(f"lösenorden var inte lika. {nothing_done}")
    return first


def _organisation(args: argparse.Namespace, ctx: Context) -> str:
    """--organisation as configured; without it, the one district's name."""
    from scheduler.services.accounts import configured_organisation

    settings = ctx.settings
    handle = getattr(args, "organisation", None)
    names = settings.organisation_names
    if handle or not names:
        return configured_organisation(settings, handle or "")
    if len(names) > 1:
        raise UsageError(f"ange vilken organisation kontot hör till med --organisation "
                         f"(en av {', '.join(names)}).")  # fmt: skip
    return names[0]


def cmd_user_add(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.accounts import create_account
    from scheduler.services.usernames import check_username

    check_username(args.name)  # before the password is asked for
    organisation = _organisation(args, ctx)
    from scheduler.model.account import COORDINATOR, READER

    account = create_account(ctx.engine, ctx.settings, username=args.name,
                             organisation=organisation,
                             password=_password(args, nothing_done="Inget konto skapades."),
                             now=now_utc(), role=READER if args.reader else COORDINATOR)  # fmt: skip
    kind = "läsarkontot" if account.reader else "kontot"
    ctx.print(f"Skapade {kind} «{account.username}» för {account.organisation}.")
    return 0


def cmd_user_list(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.time import STOCKHOLM
    from scheduler.model.account import ROLE_NAMES
    from scheduler.services.accounts import all_accounts

    accounts = all_accounts(ctx.engine)
    if not accounts:
        ctx.print("Inga konton (skapa ett med «scheduler user add NAMN --organisation ORG»).")
        return 0
    ctx.print(f"{count(len(accounts), 'konto', 'konton')}:")
    for account in accounts:
        created = account.created_at.astimezone(STOCKHOLM)
        how = ", via inloggningstjänsten" if account.oidc_subject else ""
        ctx.print(f"  {account.username}  {account.organisation}  {ROLE_NAMES[account.role]}  "
                  f"(skapat {created:%Y-%m-%d}{how})")  # fmt: skip
    return 0


def cmd_user_password(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.accounts import change_password, existing_account

    name = existing_account(ctx.engine, args.name).username  # before the password is asked for
    password = _password(args, nothing_done="Lösenordet ändrades inte.")
    account, ended = change_password(ctx.engine, ctx.settings, username=name, password=password)
    ctx.print(f"Nytt lösenord för «{account.username}»; "
              f"{count(ended, 'inloggning', 'inloggningar')} avslutades.")  # fmt: skip
    return 0


def cmd_user_role(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.model.account import COORDINATOR, READER, ROLE_NAMES, Role
    from scheduler.services.accounts import change_role

    role: Role = READER if args.role == ROLE_NAMES[READER] else COORDINATOR
    account, ended = change_role(ctx.engine, username=args.name, role=role)
    ctx.print(f"«{account.username}» är nu {ROLE_NAMES[account.role]}; "
              f"{count(ended, 'inloggning', 'inloggningar')} avslutades.")  # fmt: skip
    return 0


def cmd_user_remove(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.accounts import remove_account

    account = remove_account(ctx.engine, args.name)
    ctx.print(f"Tog bort kontot «{account.username}» ({account.organisation}); dess "
              "inloggningar gäller inte längre.")  # fmt: skip
    return 0


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="samordnarnas och läsarnas konton för arbetsytan")
    actions = user.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    add = actions.add_parser("add", help="skapa ett konto (lösenordet frågas efter)")
    add.add_argument("name", metavar="NAMN", help="användarnamnet")
    add.add_argument("--password-stdin", action="store_true",
                     help="läs lösenordet från standard in (en rad) i stället för att fråga")  # fmt: skip
    add.add_argument("--reader", action="store_true",
                     help="ett läsarkonto: ser planen, agendan, årshjulet och uppföljningen men "
                     "kan inte ändra något")  # fmt: skip
    add.set_defaults(run=cmd_user_add)
    listing = actions.add_parser("list", help="visa alla konton")
    listing.set_defaults(run=cmd_user_list)
    password = actions.add_parser(
        "password", help="byt lösenord (kontots alla inloggningar avslutas)"
    )
    password.add_argument("name", metavar="NAMN", help="användarnamnet")
    password.add_argument("--password-stdin", action="store_true",
                          help="läs lösenordet från standard in (en rad) i stället för att fråga")  # fmt: skip
    password.set_defaults(run=cmd_user_password)
    role = actions.add_parser(
        "role", help="gör kontot till samordnare eller läsare (kontots inloggningar avslutas)"
    )
    role.add_argument("name", metavar="NAMN", help="användarnamnet")
    role.add_argument("role", metavar="ROLL", choices=("samordnare", "läsare"),
                      help="samordnare eller läsare")  # fmt: skip
    role.set_defaults(run=cmd_user_role)
    remove = actions.add_parser("remove", help="ta bort ett konto")
    remove.add_argument("name", metavar="NAMN", help="användarnamnet")
    remove.set_defaults(run=cmd_user_remove)
