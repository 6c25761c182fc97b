import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { ApiTokenService } from '../accounts/api-token-service.js';
import type { LoginService } from '../accounts/login-service.js';
import type { LoginThrottle } from '../accounts/login-throttle.js';
import type { SessionService } from '../accounts/session-service.js';
import type { SetupService } from '../accounts/setup-service.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { authRoutes } from './auth-routes.js';
import { installAuthentication } from './authenticate.js';
import { installErrorReplies } from './error-replies.js';
import { installForwardedForHint } from './forwarded-for-hint.js';
import { installDashboard, tileOrigin, type DashboardOptions } from './dashboard-routes.js';
import { installSecurityHeaders } from './security-headers.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { setupRoutes } from './setup-routes.js';
import { healthRoutes, type HealthService } from './health-routes.js';
import { ingestRoutes, type IngestHttpServices } from './ingest-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { careRoutes } from './care-routes.js';
import { circleRoutes } from './circle-routes.js';
import { homeRoutes } from './home-routes.js';
import { pushRoutes, type PushHttpServices } from './push-routes.js';
import { serializersOnFirstUse, validatorsOnFirstUse, type SchemaCompilation } from './route-schemas.js';
import type { CareRouteServices } from '../alerts/care-services.js';
import type { CircleRouteServices } from '../circle/circle-services.js';
import type { HomeRouteServices } from '../household/home-services.js';
import type { MetricsRegistry } from '../core/metrics.js';

/**
 * Builds the HTTP API without listening (only main.ts listens), so tests drive it with inject() or a
 * real port alike. Every resource is one encapsulated plugin; every route declares its schema,
 * response included, which also feeds the OpenAPI document at /api/docs.
 */
export interface HttpServices {
  version: string;
  log: Logger;
  health: HealthService;
  ingest: IngestHttpServices;
  metrics: MetricsRegistry;
  /** Addresses of reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** The URL people use from outside; https here makes the session cookie Secure on every answer. */
  publicUrl?: string | undefined;
  accounts: AccountHttpServices;
  /** The API's resources, each group served by one plugin. */
  api: { care: CareRouteServices; circle: CircleRouteServices; home: HomeRouteServices };
  /** Web Push (issue 7): the VAPID key, "I'm on it" by action token, the service worker. */
  push: PushHttpServices;
  /** The dashboard's built files and the map settings written into its page (issue 8). */
  dashboard: DashboardOptions;
  /** When route schemas are compiled (route-schemas.ts): on first use unless a test asks for all at start. */
  compileSchemas?: SchemaCompilation;
}

/** Sessions, tokens, log-in and setup (issue 5), built by the hub. */
export interface AccountHttpServices {
  sessions: SessionService;
  apiTokens: ApiTokenService;
  login: LoginService;
  setup: SetupService;
  throttle: LoginThrottle;
  audit: AuditRepo;
  clock: Clock;
}

export async function buildServer(services: HttpServices): Promise<FastifyInstance> {
  // 11 of the idle hub's 111 MiB RSS went on compiling every route's schemas at start (route-schemas.ts).
  const onFirstUse = (services.compileSchemas ?? 'on-first-use') === 'on-first-use';
  const app = Fastify({
    loggerInstance: services.log as unknown as FastifyBaseLogger,
    // Per-request lines would wear an SD card for every /metrics scrape; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: services.trustedProxies.length > 0 ? [...services.trustedProxies] : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false }, ...(onFirstUse ? { onCreate: validatorsOnFirstUse } : {}) },
    ...(onFirstUse ? { schemaController: { compilersFactory: { buildSerializer: serializersOnFirstUse() } } } : {}),
  });

  // Before swagger and every route: the authentication hook documents each protected route's
  // 401/403 answers as the route is added, and the headers apply to every answer, 404s included.
  const secureCookies = (request: FastifyRequest) => services.publicUrl?.startsWith('https:') === true || request.protocol === 'https';
  const tiles = tileOrigin(services.dashboard.map.tiles);
  installSecurityHeaders(app, { imageOrigins: tiles === undefined ? [] : [tiles] });
  installErrorReplies(app);
  installForwardedForHint(app, { trustedProxies: services.trustedProxies, log: services.log });
  installAuthentication(app, { sessions: services.accounts.sessions, apiTokens: services.accounts.apiTokens, secureCookies }, services.log.child({ module: 'auth' }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Homeward',
        version: services.version,
        description: 'Home-monitoring hub for the care circle of a person living with dementia.',
      },
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by POST /api/auth/login. Requests that change state also need the x-csrf-token header.' },
          apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (npm run homeward -- user token EMAIL); acts with its person\'s role; no CSRF token needed.' },
        },
      },
    },
  });

  await app.register(authRoutes, { services: { ...services.accounts, secureCookies } });
  await app.register(setupRoutes, { services: { ...services.accounts, secureCookies } });
  await app.register(healthRoutes, { health: services.health, version: services.version });
  await app.register(metricsRoutes, { metrics: services.metrics });
  await app.register(ingestRoutes, { services: services.ingest });
  await app.register(homeRoutes, { services: services.api.home });
  await app.register(careRoutes, { services: services.api.care });
  await app.register(circleRoutes, { services: services.api.circle });
  await app.register(pushRoutes, { services: services.push });

  app.get('/api/docs', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  installDashboard(app, services.dashboard);
  return app;
}
