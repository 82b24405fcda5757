// Clients that authenticate with a JWT (private_key_jwt, client_secret_jwt) and the grants where a
// machine presents a token it holds: RFC 7523 §2.1 (JWT bearer) and RFC 8693 (token exchange),
// registered through oidc-provider's registerGrantType. Used by provider.mjs.
//
// Env: PROVIDER_CLIENT_KEYS  comma-separated private key PEM files; their public halves are the
//                            JWKS of `key-client` and `key-service` (kid: the file name without .pem)
//      PROVIDER_CLIENT_AUTH_ALGS  comma-separated: the only client assertion algorithms accepted
// Test knobs:
//   GET /test/workload-token?sub=&aud=   a JWT from the stand-in workload issuer (what a
//                                        workload's projected token or a CI job's ID token is)
//   GET /test/actions-token?audience=    GitHub Actions' OIDC token service: wants
//                                        `Authorization: bearer actions-request-token`
//   GET /test/last-grant                 what the last jwt_bearer / token_exchange request sent
import {
  createPublicKey, generateKeyPairSync, sign, verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { errors } from 'oidc-provider';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const WORKLOAD_ISSUER = 'urn:pancred:workload';
export const ACTIONS_REQUEST_TOKEN = 'actions-request-token';

// The stand-in workload issuer's key: made fresh for each provider run.
const workload = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function clientJwks() {
  const files = (process.env.PROVIDER_CLIENT_KEYS || '').split(',').filter(Boolean);
  return files.map((f) => {
    const jwk = createPublicKey(readFileSync(f)).export({ format: 'jwk' });
    return { ...jwk, kid: basename(f).replace(/\.pem$/, '') };
  });
}

export function machineClients(webRedirects) {
  const keys = clientJwks();
  const clients = [
    {
      // A web client that logs in, refreshes and revokes with private_key_jwt.
      client_id: 'key-client',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys },
      redirect_uris: webRedirects,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // A service with a key and no secret: its own tokens, and exchanges.
      client_id: 'key-service',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys },
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials', JWT_BEARER, TOKEN_EXCHANGE],
    },
    {
      client_id: 'hmac-service',
      client_secret: 'hmac-service-secret-0123456789abcdef0123456789abcdef',
      token_endpoint_auth_method: 'client_secret_jwt',
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
    },
  ];
  return keys.length ? clients : clients.slice(2);
}

export function clientAuthAlgs() {
  const algs = (process.env.PROVIDER_CLIENT_AUTH_ALGS || '').split(',').filter(Boolean);
  return algs.length ? algs : undefined;
}

let lastGrant = {};

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ES256 = { dsaEncoding: 'ieee-p1363' };

// An ES256 JWT checked by hand (node:crypto): signature, issuer, expiry.
async function verifyWorkloadToken(token, what) {
  const parts = String(token).split('.');
  const fail = (why) => new errors.InvalidGrant(`the ${what} does not verify: ${why}`);
  if (parts.length !== 3) throw fail('not a JWT');
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: workload.publicKey, ...ES256 }, Buffer.from(parts[2], 'base64url'));
  if (!ok) throw fail('bad signature');
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (claims.iss !== WORKLOAD_ISSUER) throw fail('unexpected iss');
  if (!(claims.exp > Date.now() / 1000)) throw fail('expired');
  return claims;
}

async function issue(ctx, provider, extra) {
  const { client } = ctx.oidc;
  const token = new provider.ClientCredentials({
    client,
    scope: ctx.oidc.params.scope || undefined,
  });
  const value = await token.save();
  ctx.body = {
    access_token: value,
    token_type: 'Bearer',
    expires_in: token.expiration,
    ...extra,
  };
}

export function registerMachineGrants(provider, counts) {
  counts.jwt_bearer = 0;
  counts.token_exchange = 0;
  provider.registerGrantType(JWT_BEARER, async (ctx) => {
    const { assertion, scope, resource } = ctx.oidc.params;
    if (!assertion) throw new errors.InvalidRequest('missing assertion');
    const claims = await verifyWorkloadToken(assertion, 'assertion');
    const aud = [].concat(claims.aud || []);
    if (!aud.includes(provider.issuer)) {
      throw new errors.InvalidGrant('the assertion is not for this issuer');
    }
    counts.jwt_bearer += 1;
    lastGrant = { grant: 'jwt_bearer', sub: claims.sub, scope, resource };
    await issue(ctx, provider, {});
  }, ['assertion', 'scope', 'resource']);

  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const {
      subject_token: subject, subject_token_type: type, audience, resource, scope,
    } = ctx.oidc.params;
    if (!subject || !type) throw new errors.InvalidRequest('missing subject_token or subject_token_type');
    const claims = await verifyWorkloadToken(subject, 'subject token');
    counts.token_exchange += 1;
    lastGrant = {
      grant: 'token_exchange', sub: claims.sub, subject_aud: claims.aud, subject_token_type: type,
      audience, resource, scope, client: ctx.oidc.client.clientId,
    };
    await issue(ctx, provider, {
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
  }, ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope', 'requested_token_type']);
}

async function workloadToken(sub, aud) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({
    iss: WORKLOAD_ISSUER, sub, aud, iat: now, exp: now + 600,
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: workload.privateKey, ...ES256 }).toString('base64url')}`;
}

// The test knobs above; true when it answered.
export async function machineKnobs(ctx) {
  if (ctx.path === '/test/workload-token') {
    ctx.type = 'text/plain';
    ctx.body = await workloadToken(ctx.query.sub || 'workload', ctx.query.aud || 'none');
    return true;
  }
  if (ctx.path === '/test/actions-token') {
    if (ctx.get('authorization').toLowerCase() !== `bearer ${ACTIONS_REQUEST_TOKEN}`) {
      ctx.status = 401;
      ctx.body = { message: 'bad request token' };
      return true;
    }
    ctx.body = { value: await workloadToken('repo:pancred/pancred:ref:refs/heads/main', ctx.query.audience || 'none') };
    return true;
  }
  if (ctx.path === '/test/last-grant') {
    ctx.body = lastGrant;
    return true;
  }
  return false;
}
