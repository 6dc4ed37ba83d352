/** Every route of the API, in one place: a newcomer reads the list here. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { alertRoutes } from './alerts.js';
import { authRoutes } from './auth.js';
import { eventRoutes } from './events.js';
import { exportRoutes } from './export.js';
import { fleetRoutes } from './fleet.js';
import { insightRoutes } from './insights.js';
import { metaRoutes } from './meta.js';
import { pipelineRoutes } from './pipeline.js';
import { retentionRoutes } from './retention.js';
import { serverRoutes } from './servers.js';
import { streamRoutes } from './stream.js';

export async function registerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register((root, _opts, done) => {
    metaRoutes(root, deps);
    done();
  });
  await app.register(
    async (v1) => {
      authRoutes(v1, deps);
      serverRoutes(v1, deps);
      fleetRoutes(v1, deps);
      pipelineRoutes(v1, deps);
      retentionRoutes(v1, deps);
      eventRoutes(v1, deps);
      alertRoutes(v1, deps);
      insightRoutes(v1, deps);
      await exportRoutes(v1, deps);
      streamRoutes(v1, deps);
    },
    { prefix: '/api/v1' },
  );
}
