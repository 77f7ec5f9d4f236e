#!/usr/bin/env node
// Read an iCalendar file the way Thunderbird's parser (ical.js) reads it and
// print every event occurrence and to-do inside a UTC window as JSON.
//
//   node icaljs_expand.mjs 2025-01-01T00:00:00Z 2026-01-01T00:00:00Z < feed.ics
//   node icaljs_expand.mjs --batch < jobs.json   # [{"ics", "start", "end"}, ...]
//
// Output (single mode): {"errors": [...], "events": [...], "todos": [...]};
// exit code 1 when "errors" is not empty. Batch mode prints a JSON list of
// such objects and exits 0 (each item carries its own errors).
//
// Rules shared with libical_expand.py and tests/clients/__init__.py:
// * an occurrence is reported iff window_start <= its start < window_end;
//   DATE values and floating times are compared as if they were UTC;
// * start_utc/end_utc: "YYYY-MM-DDTHH:MM:SSZ" for zoned or UTC times,
//   "YYYY-MM-DD" for DATE values, "YYYY-MM-DDTHH:MM:SS" (no Z) for floating
//   times (including a TZID that no VTIMEZONE in the file defines);
// * a to-do is reported once (RRULE on VTODO is not expanded) when its DUE
//   (or DTSTART when it has no DUE) is in the window, or when it has neither;
// * errors: whatever ical.js throws, plus values ical.js silently turns into
//   garbage: a TZID without VTIMEZONE, a VEVENT without DTSTART, a time that
//   is not a number.

import ICAL from "ical.js";

const MAX_OCCURRENCES = 100000;
// Overrides (RECURRENCE-ID) may move an occurrence up to this far back into
// the window, so the rule is walked this far past the window's end.
const LOOKAHEAD_SECONDS = 366 * 24 * 3600;

function parseWindowBound(text) {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new Error(`bad window bound ${JSON.stringify(text)} (want ISO 8601 UTC)`);
  }
  return ms / 1000;
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

function isFloating(time) {
  return !time.zone || time.zone === ICAL.Timezone.localTimezone || time.zone.tzid === "floating";
}

// Seconds since the epoch; DATE and floating values as if UTC.
function sortKey(time) {
  if (time.isDate || isFloating(time)) {
    return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second) / 1000;
  }
  return time.toUnixTime();
}

function formatTime(time) {
  if (time === null || time === undefined) {
    return null;
  }
  if (time.isDate) {
    return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
  }
  let t = time;
  let suffix = "";
  if (!isFloating(time)) {
    t = time.convertToZone(ICAL.Timezone.utcTimezone);
    suffix = "Z";
  }
  const parts = [t.year, t.month, t.day, t.hour, t.minute, t.second];
  if (parts.some((p) => !Number.isFinite(p))) {
    throw new Error(`time is not a number: ${time.toString()}`);
  }
  return (
    `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}` +
    `T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${suffix}`
  );
}

function textProp(comp, name) {
  const value = comp.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

function intProp(comp, name) {
  const value = comp.getFirstPropertyValue(name);
  if (value === null || value === undefined) {
    return null;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new Error(`${name.toUpperCase()} is not an integer: ${JSON.stringify(value)}`);
  }
  return n;
}

function label(comp) {
  const uid = comp.getFirstPropertyValue("uid");
  return `${comp.name.toUpperCase()} ${uid === null ? "(no UID)" : uid}`;
}

function checkTzids(comp, calendar, errors) {
  for (const prop of comp.getAllProperties()) {
    const tzid = prop.getParameter("tzid");
    if (tzid && !calendar.getTimeZoneByID(tzid) && !ICAL.TimezoneService.has(tzid)) {
      errors.push(`${label(comp)}: ${prop.name.toUpperCase()} TZID=${tzid} has no VTIMEZONE`);
    }
  }
  for (const sub of comp.getAllSubcomponents()) {
    checkTzids(sub, calendar, errors);
  }
}

// ical.js decodes values lazily; decode them all now so that an error names
// its property. Returns false when some value cannot be read.
function decodeAll(comp, owner, errors) {
  let ok = true;
  for (const prop of comp.getAllProperties()) {
    try {
      prop.getValues();
    } catch (e) {
      errors.push(`${label(owner)}: ${prop.name.toUpperCase()}: ${e.message}`);
      ok = false;
    }
  }
  for (const sub of comp.getAllSubcomponents()) {
    ok = decodeAll(sub, owner, errors) && ok;
  }
  return ok;
}

function eventRecord(item, start, end) {
  const comp = item.component;
  return {
    uid: textProp(comp, "uid"),
    start_utc: formatTime(start),
    end_utc: formatTime(end),
    summary: textProp(comp, "summary"),
    status: textProp(comp, "status"),
    sequence: intProp(comp, "sequence"),
    all_day: Boolean(start.isDate),
  };
}

function expandEvent(master, exceptions, winStart, winEnd, out) {
  const event = new ICAL.Event(master, { strictExceptions: true, exceptions });
  const start = event.startDate;
  if (!start) {
    throw new Error("no DTSTART");
  }
  const inWindow = (t) => {
    const k = sortKey(t);
    if (!Number.isFinite(k)) {
      throw new Error(`time is not a number: ${t.toString()}`);
    }
    return k >= winStart && k < winEnd;
  };
  if (!event.isRecurring()) {
    if (inWindow(start)) {
      out.push(eventRecord(event, start, event.endDate));
    }
    return;
  }
  const iterator = event.iterator();
  const horizon = winEnd + LOOKAHEAD_SECONDS;
  let next;
  let count = 0;
  while ((next = iterator.next())) {
    if (sortKey(next) >= horizon) {
      break;
    }
    if (++count > MAX_OCCURRENCES) {
      throw new Error(`more than ${MAX_OCCURRENCES} occurrences before the window ends`);
    }
    const details = event.getOccurrenceDetails(next);
    if (inWindow(details.startDate)) {
      out.push(eventRecord(details.item, details.startDate, details.endDate));
    }
  }
}

function todoRecord(comp) {
  const start = comp.getFirstPropertyValue("dtstart");
  const due = comp.getFirstPropertyValue("due");
  const ref = due || start;
  return {
    uid: textProp(comp, "uid"),
    start_utc: formatTime(start),
    due_utc: formatTime(due),
    summary: textProp(comp, "summary"),
    status: textProp(comp, "status"),
    sequence: intProp(comp, "sequence"),
    all_day: Boolean(ref && ref.isDate),
    _ref: ref,
  };
}

function expandCalendar(calendar, winStart, winEnd, result) {
  for (const vtz of calendar.getAllSubcomponents("vtimezone")) {
    try {
      ICAL.TimezoneService.register(vtz);
    } catch (e) {
      result.errors.push(`VTIMEZONE: ${e.message}`);
    }
  }
  checkTzids(calendar, calendar, result.errors);
  // A component with a value ical.js cannot read is reported here, once.
  const unreadable = new Set();
  for (const prop of calendar.getAllProperties()) {
    try {
      prop.getValues();
    } catch (e) {
      result.errors.push(`VCALENDAR: ${prop.name.toUpperCase()}: ${e.message}`);
    }
  }
  for (const child of calendar.getAllSubcomponents()) {
    if (!decodeAll(child, child, result.errors)) {
      unreadable.add(child);
    }
  }
  const readable = (comp) => !unreadable.has(comp);

  const vevents = calendar.getAllSubcomponents("vevent").filter(readable);
  const overridesByUid = new Map();
  const masterUids = new Set();
  for (const comp of vevents) {
    if (!comp.hasProperty("recurrence-id")) {
      masterUids.add(comp.getFirstPropertyValue("uid"));
    }
  }
  const masters = [];
  for (const comp of vevents) {
    const uid = comp.getFirstPropertyValue("uid");
    if (comp.hasProperty("recurrence-id") && masterUids.has(uid)) {
      if (!overridesByUid.has(uid)) {
        overridesByUid.set(uid, []);
      }
      overridesByUid.get(uid).push(comp);
    } else {
      // A master, or an override whose master is not in the file: shown as is.
      masters.push(comp);
    }
  }
  for (const comp of masters) {
    try {
      const uid = comp.getFirstPropertyValue("uid");
      const exceptions = comp.hasProperty("recurrence-id") ? [] : overridesByUid.get(uid) || [];
      const found = [];
      expandEvent(comp, exceptions, winStart, winEnd, found);
      result.events.push(...found);
    } catch (e) {
      result.errors.push(`${label(comp)}: ${e.message}`);
    }
  }
  for (const comp of calendar.getAllSubcomponents("vtodo").filter(readable)) {
    try {
      const todo = todoRecord(comp);
      const ref = todo._ref;
      delete todo._ref;
      if (ref) {
        const k = sortKey(ref);
        if (!Number.isFinite(k)) {
          throw new Error(`time is not a number: ${ref.toString()}`);
        }
        if (k < winStart || k >= winEnd) {
          continue;
        }
      }
      result.todos.push(todo);
    } catch (e) {
      result.errors.push(`${label(comp)}: ${e.message}`);
    }
  }
}

function compareBy(keys) {
  return (a, b) => {
    for (const key of keys) {
      const x = a[key] ?? "";
      const y = b[key] ?? "";
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}

function expand(icsText, startText, endText) {
  const result = { errors: [], events: [], todos: [] };
  ICAL.TimezoneService.reset();
  let winStart;
  let winEnd;
  let parsed;
  try {
    winStart = parseWindowBound(startText);
    winEnd = parseWindowBound(endText);
  } catch (e) {
    result.errors.push(`window: ${e.message}`);
    return result;
  }
  try {
    parsed = ICAL.parse(icsText);
  } catch (e) {
    result.errors.push(`parse: ${e.name}: ${e.message}`);
    return result;
  }
  // One component gives a jCal array, several give a list of them.
  const jcals = parsed.length > 0 && Array.isArray(parsed[0]) ? parsed : [parsed];
  if (jcals.length === 0 || (jcals.length === 1 && jcals[0].length === 0)) {
    result.errors.push("parse: no component found");
    return result;
  }
  for (const jcal of jcals) {
    let calendar;
    try {
      calendar = new ICAL.Component(jcal);
    } catch (e) {
      result.errors.push(`parse: ${e.name}: ${e.message}`);
      continue;
    }
    if (calendar.name !== "vcalendar") {
      result.errors.push(`parse: top-level component is ${calendar.name.toUpperCase()}, not VCALENDAR`);
      continue;
    }
    try {
      expandCalendar(calendar, winStart, winEnd, result);
    } catch (e) {
      result.errors.push(`${e.name}: ${e.message}`);
    }
  }
  result.events.sort(compareBy(["start_utc", "uid", "end_utc"]));
  result.todos.sort(compareBy(["due_utc", "start_utc", "uid"]));
  return result;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function main(argv) {
  const input = await readStdin();
  if (argv[0] === "--batch" && argv.length === 1) {
    const jobs = JSON.parse(input);
    const results = jobs.map((job) => expand(job.ics, job.start, job.end));
    process.stdout.write(JSON.stringify(results) + "\n");
    return 0;
  }
  if (argv.length !== 2) {
    process.stderr.write(
      "usage: icaljs_expand.mjs WINDOW_START WINDOW_END < file.ics\n" +
        "       icaljs_expand.mjs --batch < jobs.json\n",
    );
    return 2;
  }
  const result = expand(input, argv[0], argv[1]);
  process.stdout.write(JSON.stringify(result) + "\n");
  return result.errors.length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
