// A real OpenID provider (the `oidc-provider` package) on loopback, standing in for the
// super-app's identity provider in the OIDC tests. Not a fake: discovery, JWKS, the
// authorization-code + PKCE flow, the token endpoint and the JWT access tokens are the
// package's own. Started by tests/support/oidc.py; prints one line `OIDC-PROVIDER READY {json}`.
//
// Settings (environment; `--name=value` arguments override, e.g. `--port=0`):
//   OIDC_PORT            port on 127.0.0.1 (0: any free one; the ready line tells which)
//   OIDC_CLIENT_ID       the one confidential client (client_secret_basic / _post)
//   OIDC_CLIENT_SECRET
//   OIDC_REDIRECT_URIS   its redirect URIs, separated by spaces or commas
//   OIDC_AUDIENCE        the resource (RFC 8707) the client's access tokens are for; any other
//                        absolute URI asked for as `resource` also gets a JWT (tests use that
//                        for a wrong audience)
//   OIDC_KEYS_FILE       optional: a private JWKS to sign with; written (new RSA key) when the
//                        file does not exist, so a second instance can share the keys
//   OIDC_ACCESS_TOKEN_TTL seconds (default 3600)
//
// Test controls (loopback only, JSON bodies), outside the provider's own routes:
//   POST /__test__/accounts {"login", "claims": {...}}   add or replace an account
//   POST /__test__/clock    {"skew_seconds": n}          shift the provider's clock (0 resets)

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

function settings() {
  const values = { ...process.env };
  for (const arg of process.argv.slice(2)) {
    const match = /^--([a-z-]+)=(.*)$/s.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    values[`OIDC_${match[1].toUpperCase().replaceAll('-', '_')}`] = match[2];
  }
  const need = (name) => {
    if (!values[name]) throw new Error(`${name} is required`);
    return values[name];
  };
  return {
    port: Number(values.OIDC_PORT ?? 0),
    clientId: need('OIDC_CLIENT_ID'),
    clientSecret: need('OIDC_CLIENT_SECRET'),
    redirectUris: need('OIDC_REDIRECT_URIS').split(/[\s,]+/).filter(Boolean),
    audience: need('OIDC_AUDIENCE'),
    keysFile: values.OIDC_KEYS_FILE,
    accessTokenTtl: Number(values.OIDC_ACCESS_TOKEN_TTL ?? 3600),
  };
}

function signingKeys(keysFile) {
  if (keysFile && fs.existsSync(keysFile)) {
    return JSON.parse(fs.readFileSync(keysFile, 'utf8'));
  }
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const keys = { keys: [{ ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' }] };
  if (keysFile) fs.writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

// The provider reads the time through Date.now (epoch seconds for iat/exp); a skew lets a test
// get tokens that are already expired from the real token endpoint.
let skewMs = 0;
const realNow = Date.now;
Date.now = () => realNow() + skewMs;

// The in-memory account store, keyed by login (the `sub`). Any login signs in; one without an
// entry has no claims beyond `sub`, like an account that has not given a phone or email.
const accounts = new Map();

async function findAccount(_ctx, login) {
  return {
    accountId: login,
    async claims() {
      return { ...(accounts.get(login) ?? {}), sub: login };
    },
  };
}

function isAbsoluteUri(value) {
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

function configuration(config, jwks) {
  return {
    clients: [{
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: config.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    jwks,
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    findAccount,
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    // Most issuers put the granted claims in the ID token; the relying party reads them there.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!isAbsoluteUri(resource)) throw new errors.InvalidTarget();
          return {
            audience: resource,
            scope: 'api',  // a resource scope is required; the tests do not ask for it
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

async function control(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST') return send(405, { error: 'method_not_allowed' });
  const body = await readJson(req);
  if (req.url === '/__test__/accounts' && typeof body.login === 'string') {
    accounts.set(body.login, body.claims ?? {});
    return send(200, { login: body.login });
  }
  if (req.url === '/__test__/clock' && Number.isFinite(body.skew_seconds)) {
    skewMs = body.skew_seconds * 1000;
    return send(200, { skew_seconds: body.skew_seconds });
  }
  return send(404, { error: 'not_found' });
}

async function main() {
  const config = settings();
  let handle;
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/__test__/')) {
      control(req, res).catch((error) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      });
    } else {
      handle(req, res);
    }
  });
  await new Promise((resolve) => { server.listen(config.port, '127.0.0.1', resolve); });
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const jwks = signingKeys(config.keysFile);
  const provider = new Provider(issuer, configuration(config, jwks));
  handle = provider.callback();
  provider.on('server_error', (_ctx, error) => console.error('server_error', error));
  const kids = jwks.keys.map((key) => key.kid);
  console.log(`OIDC-PROVIDER READY ${JSON.stringify({ issuer, port, kids })}`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections(); // keep-alive clients must not hold the exit up
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
