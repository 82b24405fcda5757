// A real OpenID provider (oidc-provider) for the pancred tests, on a free loopback port.
// Prints `listening PORT` on stdout once it accepts connections.
//
// Test knobs beside the provider's own endpoints:
//   GET  /test/counts          -> grants served (refresh, refresh_errors, code), /token requests
//                                 received (token_requests) and dropped by a gone client (abandoned),
//                                 metadata documents served (metadata)
//   POST /test/token-delay?ms= -> every later /token request waits that long first (0 turns it off)
//   POST /test/answer-delay?ms= -> every later /token answer is held that long after the provider
//                                 served it (tokens issued, refresh token rotated): an answer in transit
//   POST /test/slow-down?n=    -> the next n /token requests are answered `slow_down` (RFC 8628)
//   GET  /test/polls           -> when each device_code /token request arrived (ms since epoch)
//   POST /test/unavailable?n=  -> the next n /token requests are answered HTTP 503
//                                 with an HTML page (a proxy in front of a restarting provider)
//   (and the knobs of machine-grants.mjs: private_key_jwt, client_secret_jwt, JWT bearer, token exchange)
// Env: PROVIDER_DEVICE_TTL (seconds a device code lives, default 600), PROVIDER_DEVICE_INTERVAL
// (the polling interval the device authorization answer names; none: clients use 5 s).
import http from 'node:http';
import Provider from 'oidc-provider';
import {
  clientAuthAlgs, machineClients, machineKnobs, registerMachineGrants,
} from './machine-grants.mjs';

const host = '127.0.0.1';
const port = Number(process.env.PROVIDER_PORT || 0);
const accessTtl = Number(process.env.PROVIDER_ACCESS_TTL || 3600);
const webRedirect = 'http://127.0.0.1:9/callback';
// More exact redirect URIs for the web clients, comma-separated (a login test's fixed port).
const extraRedirects = (process.env.PROVIDER_WEB_REDIRECTS || '').split(',').filter(Boolean);

const deviceTtl = Number(process.env.PROVIDER_DEVICE_TTL || 600);
const deviceInterval = process.env.PROVIDER_DEVICE_INTERVAL;

const counts = {
  refresh: 0, refresh_errors: 0, code: 0, client_credentials: 0, device_code: 0,
  token_requests: 0, abandoned: 0, metadata: 0,
};
let tokenDelayMs = 0;
let answerDelayMs = 0;
let slowDowns = 0;
let unavailable = 0;
const polls = [];

const web = (id, method) => ({
  client_id: id,
  client_secret: `${id}-secret-0123456789abcdef0123456789abcdef`,
  token_endpoint_auth_method: method,
  redirect_uris: [webRedirect, ...extraRedirects],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

const configuration = {
  clients: [
    web('basic-client', 'client_secret_basic'),
    web('post-client', 'client_secret_post'),
    // Opaque access tokens for the userinfo endpoint (no resource indicator): what userinfo and
    // introspection need; the other clients get JWT access tokens for urn:pancred:api.
    web('openid-client', 'client_secret_basic'),
    {
      // RFC 8252: a native client accepts any loopback port.
      client_id: 'native-client',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // RFC 8628: a public client on a device without a browser.
      client_id: 'device-client',
      token_endpoint_auth_method: 'none',
      redirect_uris: [],
      response_types: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    },
    {
      // RFC 6749 4.4: a service acting for itself.
      client_id: 'service-client',
      client_secret: 'service-client-secret-0123456789abcdef0123456789',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
    },
    ...machineClients([webRedirect, ...extraRedirects]),
  ],
  ...(clientAuthAlgs() ? { enabledJWA: { clientAuthSigningAlgValues: clientAuthAlgs() } } : {}),
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client) => (client?.clientId === 'openid-client' ? undefined : 'urn:pancred:api'),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: 'urn:pancred:api',
        accessTokenTTL: accessTtl,
        accessTokenFormat: 'jwt',
      }),
    },
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    DeviceCode: deviceTtl,
    AccessToken: accessTtl,
    ClientCredentials: accessTtl,
  },
  scopes: ['openid', 'offline_access', 'api:read'],
  cookies: { keys: ['pancred-test-cookie-key'] },
};

function start(actual) {
  const provider = new Provider(`http://${host}:${actual}`, configuration);
  registerMachineGrants(provider, counts);

  provider.on('grant.success', (ctx) => {
    const g = ctx.oidc.params.grant_type;
    if (g === 'refresh_token') counts.refresh += 1;
    if (g === 'authorization_code') counts.code += 1;
    if (g === 'client_credentials') counts.client_credentials += 1;
    if (g === 'urn:ietf:params:oauth:grant-type:device_code') {
      counts.device_code += 1;
      polls.push(Date.now());
    }
  });
  provider.on('grant.error', (ctx) => {
    if (ctx.oidc?.params?.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') polls.push(Date.now());
    if (ctx.oidc?.params?.grant_type === 'refresh_token') counts.refresh_errors += 1;
  });

  provider.use(async (ctx, next) => {
    if (await machineKnobs(ctx)) return;
    if (ctx.path === '/test/counts') {
      ctx.body = counts;
      return;
    }
    if (ctx.path === '/test/token-delay') {
      tokenDelayMs = Number(ctx.query.ms || 0);
      ctx.body = { ms: tokenDelayMs };
      return;
    }
    if (ctx.path === '/test/slow-down') {
      slowDowns = Number(ctx.query.n || 0);
      ctx.body = { n: slowDowns };
      return;
    }
    if (ctx.path === '/test/unavailable') {
      unavailable = Number(ctx.query.n || 0);
      ctx.body = { n: unavailable };
      return;
    }
    if (ctx.path === '/test/polls') {
      ctx.body = polls;
      return;
    }
    if (ctx.path === '/device/auth' && deviceInterval) {
      await next();
      if (ctx.body && typeof ctx.body === 'object') ctx.body.interval = Number(deviceInterval);
      return;
    }
    if (ctx.path.includes('/.well-known/')) counts.metadata += 1;
    if (ctx.path === '/test/answer-delay') {
      answerDelayMs = Number(ctx.query.ms || 0);
      ctx.body = { ms: answerDelayMs };
      return;
    }
    if (ctx.path === '/token' && answerDelayMs > 0) {
      counts.token_requests += 1;
      await next();
      await new Promise((r) => setTimeout(r, answerDelayMs));
      return;
    }
    if (ctx.path === '/token') {
      counts.token_requests += 1;
      // Only a device login polls while a test asks for these (nothing else calls /token then).
      if (unavailable > 0) {
        unavailable -= 1;
        polls.push(Date.now());
        ctx.status = 503;
        ctx.type = 'text/html';
        ctx.body = '<html><body>503 Service Temporarily Unavailable</body></html>';
        return;
      }
      if (tokenDelayMs > 0) {
        await new Promise((r) => setTimeout(r, tokenDelayMs));
        // A client that went away meanwhile (killed) is not served: the grant stays as it was,
        // as when a process dies before its request reaches the provider.
        if (ctx.req.socket.destroyed) {
          counts.abandoned += 1;
          ctx.respond = false;
          return;
        }
      }
      await next();
      // Only the device flow answers authorization_pending: turn the next ones into slow_down.
      if (slowDowns > 0 && ctx.body?.error === 'authorization_pending') {
        slowDowns -= 1;
        ctx.body = { error: 'slow_down', error_description: 'poll less often' };
      }
      return;
    }
    await next();
  });

  server.on('request', provider.callback());
  process.stdout.write(`listening ${actual}\n`);
}

// Bind first so that the issuer can name the port the OS picked.
const server = http.createServer();
server.listen(port, host, () => start(server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
