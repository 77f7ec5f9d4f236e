// Test-only: a real OpenID provider (the npm package oidc-provider) for the sign-in tests.
//
//   node oidc_provider.mjs CONFIG.json
//
// CONFIG.json: {"issuer": "http://127.0.0.1:PORT", "port": PORT, "keys": [private JWKs, the
// first signs], "clients": [{client_id, client_secret, redirect_uris}], "users": {"login":
// {"name", "email", "groups": [...]}}}. Prints one line "ready" when it listens.
//
// Sign-in uses the package's own development interactions (a login form that takes any login
// name; the user's claims come from "users", an unknown login gets no groups) and its consent
// page. The groups claim rides in the ID token, as Entra ID and Keycloak put it there.
//
// POST /test/next-id-token with a JSON body of claims (e.g. {"aud": "other"}, {"exp": 1}) makes
// the provider re-sign the next ID token it issues with those claims changed, with its own
// signing key: the tests that a wrong audience, an expired token or another issuer are refused
// need a token the provider signed but would never issue. Nothing else is changed.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from "jose";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const users = config.users;

const provider = new Provider(config.issuer, {
    clients: config.clients.map((client) => ({
        ...client,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: config.keys },
    claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
        const user = users[id] ?? { name: id, email: `${id}@example.org`, groups: [] };
        return {
            accountId: id,
            async claims() {
                return { sub: id, name: user.name, email: user.email, email_verified: true,
                         groups: user.groups };
            },
        };
    },
});
// The development interactions warn on every start; the tests know.
provider.on("server_error", (_ctx, error) => console.error("server_error", error));

let nextClaims = null;
const signingKey = await importJWK(config.keys[0], config.keys[0].alg ?? "RS256");

provider.use(async (ctx, next) => {
    if (ctx.path === "/test/next-id-token" && ctx.method === "POST") {
        const chunks = [];
        for await (const chunk of ctx.req) chunks.push(chunk);
        nextClaims = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        ctx.status = 204;
        return;
    }
    await next();
    if (ctx.path === "/token" && nextClaims && ctx.status === 200 && ctx.body?.id_token) {
        const header = decodeProtectedHeader(ctx.body.id_token);
        const claims = { ...decodeJwt(ctx.body.id_token), ...nextClaims };
        nextClaims = null;
        ctx.body = {
            ...ctx.body,
            id_token: await new SignJWT(claims).setProtectedHeader(header).sign(signingKey),
        };
    }
});

provider.listen(config.port, "127.0.0.1", () => console.log("ready"));
