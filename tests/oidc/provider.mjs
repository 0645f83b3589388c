// A real OpenID Connect provider standing in for Ciudadanía Digital (AGETIC) in the tests:
// oidc-provider (a certified implementation) on 127.0.0.1 over plain HTTP, with one
// confidential client, PS256-signed ID tokens, PKCE required, the scopes and claim shapes
// Ciudadanía Digital publishes (profile.documento_identidad, profile.nombre, email), its own
// login and consent pages (plain forms: they work without JavaScript) and RP-initiated logout.
//
// Started by tests/oidc/provider.py. Configuration comes from the environment:
//   OIDC_PORT              the port to listen on (127.0.0.1)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//   OIDC_REDIRECT_URIS     comma-separated callback URLs of the client
//   OIDC_POST_LOGOUT_URIS  comma-separated post-logout URLs of the client
//   OIDC_MODE              "normal", or "foreign-jwks": the provider still signs with its own
//                          key but publishes another one at /jwks (a token whose signature no
//                          published key verifies: the "badly signed token" case)
// It prints "ready <issuer>" on stdout once it listens.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseQuery } from 'node:querystring';

import Provider, { errors } from 'oidc-provider';

const env = process.env;
const port = Number(env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const mode = env.OIDC_MODE || 'normal';
const people = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'));
delete people._comment;

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'PS256', use: 'sig' };
}

function publicPart({ kty, n, e, kid, alg, use }) {
  return { kty, n, e, kid, alg, use };
}

const key = signingKey('qhawaq-test-ps256');
// Same kid, other modulus: the client finds "the" key and the signature does not verify.
const foreignKey = publicPart(signingKey('qhawaq-test-ps256'));

function page(title, body) {
  // No external fonts or scripts: the tests' browsers reach nothing but the two servers.
  return `<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const configuration = {
  clients: [
    {
      client_id: env.OIDC_CLIENT_ID,
      client_secret: env.OIDC_CLIENT_SECRET,
      client_name: 'Qhawaq (pruebas)',
      redirect_uris: env.OIDC_REDIRECT_URIS.split(','),
      post_logout_redirect_uris: (env.OIDC_POST_LOGOUT_URIS || '').split(',').filter(Boolean),
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'PS256',
    },
  ],
  jwks: { keys: [key] },
  enabledJWA: { idTokenSigningAlgValues: ['PS256'] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'celular', 'fecha_nacimiento', 'offline_access'],
  claims: {
    openid: ['sub'],
    profile: ['profile'],
    email: ['email', 'email_verified'],
    celular: ['celular'],
    fecha_nacimiento: ['fecha_nacimiento'],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('¿Cerrar la sesión en Ciudadanía Digital?', `${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sí, cerrar la sesión</button>
<button type="submit" form="op.logoutForm">No, mantenerla</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Sesión cerrada', '<p>Cerró su sesión en Ciudadanía Digital.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        const profile = { nombre: person.nombre };
        if (person.documento_identidad) profile.documento_identidad = person.documento_identidad;
        const claims = { sub: id, profile };
        if (person.email) Object.assign(claims, { email: person.email, email_verified: true });
        return claims;
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return parseQuery(raw);
}

function loginForm(uid, message = '') {
  return page('Ciudadanía Digital: ingresar', `${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<p><label for="usuario">Usuario</label> <input id="usuario" name="usuario" required></p>
<p><label for="contrasena">Contraseña</label> <input id="contrasena" name="contrasena" type="password" required></p>
<p><button type="submit" name="accion" value="ingresar">Ingresar</button>
<button type="submit" name="accion" value="cancelar" formnovalidate>Cancelar</button></p>
</form>`);
}

function consentForm(uid, client, details) {
  const scopes = (details.missingOIDCScope || []).filter((s) => s !== 'openid');
  return page('Ciudadanía Digital: autorizar', `<p>${escape(client.clientName || client.clientId)} pide acceso a:</p>
<ul>${scopes.map((s) => `<li>${escape(s)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${uid}/confirm">
<button type="submit" name="decision" value="autorizar">Autorizar</button>
<button type="submit" name="decision" value="rechazar">Rechazar</button>
</form>`);
}

const refused = { error: 'access_denied', error_description: 'End-User refused' };

// The login and consent pages, with the provider's documented interaction API.
provider.use(async (ctx, next) => {
  if (mode === 'foreign-jwks' && ctx.method === 'GET' && ctx.path === '/jwks') {
    ctx.type = 'application/jwk-set+json';
    ctx.body = { keys: [foreignKey] };
    return;
  }
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm))?$/);
  if (!match) {
    await next();
    return;
  }
  const [, uid, step] = match;
  ctx.set('Cache-Control', 'no-store');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      ctx.status = 400;
      ctx.body = page('Error', '<p>La sesión de autorización expiró.</p>');
      return;
    }
    throw error;
  }
  const { prompt, params, session, grantId } = details;
  if (ctx.method === 'GET' && !step) {
    ctx.type = 'html';
    if (prompt.name === 'login') {
      ctx.body = loginForm(uid);
    } else {
      const client = await provider.Client.find(params.client_id);
      ctx.body = consentForm(uid, client, prompt.details);
    }
    return;
  }
  if (ctx.method !== 'POST') {
    ctx.status = 405;
    return;
  }
  const form = await readForm(ctx.req);
  if (step === 'login' && prompt.name === 'login') {
    if (form.accion === 'cancelar') {
      await provider.interactionFinished(ctx.req, ctx.res, refused, { mergeWithLastSubmission: false });
      return;
    }
    const person = people[form.usuario];
    if (!person || person.password !== form.contrasena) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginForm(uid, 'Usuario o contraseña incorrectos.');
      return;
    }
    await provider.interactionFinished(
      ctx.req, ctx.res, { login: { accountId: form.usuario } }, { mergeWithLastSubmission: false },
    );
    return;
  }
  if (step === 'confirm' && prompt.name === 'consent') {
    if (form.decision !== 'autorizar') {
      await provider.interactionFinished(ctx.req, ctx.res, refused, { mergeWithLastSubmission: false });
      return;
    }
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const result = { consent: { grantId: await grant.save() } };
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    return;
  }
  ctx.status = 400;
  ctx.type = 'html';
  ctx.body = page('Error', '<p>Paso desconocido.</p>');
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
