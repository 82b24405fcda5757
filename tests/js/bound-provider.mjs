// A real OpenID provider (oidc-provider) whose tokens are bound to the client: DPoP (RFC 9449)
// and mTLS (RFC 8705). Prints `listening PORT` once it accepts connections on plain HTTP (the
// issuer), and with PROVIDER_TLS_DIR also serves HTTPS on another port that asks for client
// certificates (its port in PROVIDER_TLS_DIR/tls-port); its endpoints are the metadata's
// `mtls_endpoint_aliases`.
//
// Env:
//   PROVIDER_DPOP=0           DPoP off (the metadata names no DPoP algorithm)
//   PROVIDER_REQUIRE_NONCE=1  every DPoP proof must carry a nonce the provider gave (DPoP-Nonce)
//   PROVIDER_TLS_DIR          folder with ca.pem, server.pem, server-key.pem, self-signed.pem
//                             (the certificate the self-signed client registers)
//   PROVIDER_ACCESS_TTL       access token lifetime (seconds)
// Test knobs: GET /test/counts (grants served, token requests, DPoP nonce refusals),
//             POST /test/token-delay?ms=
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import Provider from 'oidc-provider';

const host = '127.0.0.1';
const accessTtl = Number(process.env.PROVIDER_ACCESS_TTL || 3600);
const requireNonce = process.env.PROVIDER_REQUIRE_NONCE === '1';
const tlsDir = process.env.PROVIDER_TLS_DIR;
const webRedirect = 'http://127.0.0.1:9/callback';

const counts = {
  refresh: 0, refresh_errors: 0, code: 0, client_credentials: 0, token_requests: 0,
  use_dpop_nonce: 0,
};
let tokenDelayMs = 0;

const pemOf = (der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;

// The client certificate of the HTTPS connection (none on plain HTTP), as PEM.
function peerCertificate(ctx) {
  const { socket } = ctx.req;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  return peer?.raw ? pemOf(peer.raw) : undefined;
}

function clients() {
  const list = [
    {
      // A public client: its refresh tokens are DPoP-bound too (RFC 9449 section 5).
      client_id: 'dpop-native',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      dpop_bound_access_tokens: true,
    },
    {
      client_id: 'dpop-service',
      client_secret: 'dpop-service-secret-0123456789abcdef0123456789',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
      dpop_bound_access_tokens: true,
    },
  ];
  if (tlsDir) {
    const selfSigned = new crypto.X509Certificate(fs.readFileSync(path.join(tlsDir, 'self-signed.pem')));
    const common = {
      redirect_uris: [webRedirect],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      tls_client_certificate_bound_access_tokens: true,
    };
    list.push({
      ...common,
      client_id: 'mtls-client',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=mtls-client',
    });
    list.push({
      ...common,
      client_id: 'mtls-self-signed',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...selfSigned.publicKey.export({ format: 'jwk' }), x5c: [selfSigned.raw.toString('base64')] }] },
    });
    // Authenticated by its certificate, its tokens bound to a DPoP key instead.
    list.push({
      ...common,
      client_id: 'mtls-dpop',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      tls_client_certificate_bound_access_tokens: false,
      jwks: { keys: [{ ...selfSigned.publicKey.export({ format: 'jwk' }), x5c: [selfSigned.raw.toString('base64')] }] },
    });
  }
  return list;
}

function configuration() {
  return {
    clients: clients(),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      dPoP: {
        enabled: process.env.PROVIDER_DPOP !== '0',
        nonceSecret: crypto.randomBytes(32),
        requireNonce: () => requireNonce,
      },
      mTLS: {
        enabled: Boolean(tlsDir),
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: peerCertificate,
        certificateAuthorized(ctx) {
          return ctx.req.socket.authorized === true;
        },
        certificateSubjectMatches(ctx, property, expected) {
          if (property !== 'tls_client_auth_subject_dn') return false;
          const cert = new crypto.X509Certificate(peerCertificate(ctx));
          return cert.subject.replace(/\n/g, ',') === expected;
        },
      },
      resourceIndicators: {
        enabled: true,
        // Client credentials tokens are JWTs for an API; logins get opaque tokens that the
        // userinfo endpoint takes.
        defaultResource: (ctx, client, oneOf) => (ctx.oidc.params?.grant_type === 'client_credentials' ? 'urn:pancred:api' : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: 'urn:pancred:api',
          accessTokenTTL: accessTtl,
          accessTokenFormat: 'jwt',
        }),
      },
    },
    clientAuthMethods: [
      'none', 'client_secret_basic', 'client_secret_post',
      ...(tlsDir ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
    ],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: accessTtl, ClientCredentials: accessTtl },
    scopes: ['openid', 'offline_access', 'api:read'],
    cookies: { keys: ['pancred-test-cookie-key'] },
  };
}

function start(port, tlsPort) {
  const provider = new Provider(`http://${host}:${port}`, configuration());
  provider.on('grant.success', (ctx) => {
    const g = ctx.oidc.params.grant_type;
    if (g === 'refresh_token') counts.refresh += 1;
    if (g === 'authorization_code') counts.code += 1;
    if (g === 'client_credentials') counts.client_credentials += 1;
  });
  provider.on('grant.error', (ctx, err) => {
    if (ctx.oidc?.params?.grant_type === 'refresh_token' && err?.error !== 'use_dpop_nonce') counts.refresh_errors += 1;
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === '/test/counts') {
      ctx.body = counts;
      return;
    }
    if (ctx.path === '/test/token-delay') {
      tokenDelayMs = Number(ctx.query.ms || 0);
      ctx.body = { ms: tokenDelayMs };
      return;
    }
    if (ctx.path === '/token') {
      counts.token_requests += 1;
      if (tokenDelayMs > 0) await new Promise((r) => setTimeout(r, tokenDelayMs));
    }
    await next();
    if (ctx.body?.error === 'use_dpop_nonce' || String(ctx.response.get('www-authenticate')).includes('use_dpop_nonce')) {
      counts.use_dpop_nonce += 1;
    }
    if (tlsPort && ctx.path === '/.well-known/openid-configuration' && ctx.body) {
      const tls = `https://${host}:${tlsPort}`;
      ctx.body.mtls_endpoint_aliases = {
        token_endpoint: `${tls}/token`,
        revocation_endpoint: `${tls}/token/revocation`,
        introspection_endpoint: `${tls}/token/introspection`,
        userinfo_endpoint: `${tls}/me`,
      };
    }
  });

  plain.on('request', provider.callback());
  if (secure) secure.on('request', provider.callback());
  if (tlsPort) fs.writeFileSync(path.join(tlsDir, 'tls-port'), String(tlsPort));
  process.stdout.write(`listening ${port}\n`);
}

const plain = http.createServer();
const secure = tlsDir ? https.createServer({
  key: fs.readFileSync(path.join(tlsDir, 'server-key.pem')),
  cert: fs.readFileSync(path.join(tlsDir, 'server.pem')),
  ca: fs.readFileSync(path.join(tlsDir, 'ca.pem')),
  requestCert: true,
  rejectUnauthorized: false,
}) : null;

plain.listen(0, host, () => {
  if (!secure) {
    start(plain.address().port);
    return;
  }
  secure.listen(0, host, () => start(plain.address().port, secure.address().port));
});
process.on('SIGTERM', () => process.exit(0));
