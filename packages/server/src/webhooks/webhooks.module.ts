import type { DomainModule } from '../domain-module.js';
import { Webhooks1795738000000 } from './1795738000000-webhooks.migration.js';
import { DeliveryEventIndex1795738300200 } from './1795738300200-delivery-event-index.migration.js';
import { DeliveryEndpointDueIndex1795738300800 } from './1795738300800-delivery-endpoint-due-index.migration.js';
import { WebhookDelivery, WebhookDeliveryAttempt } from './webhook-delivery.entity.js';
import { createWebhookLoaders } from './webhook-delivery.loaders.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import { WebhookEndpointsService } from './webhook-endpoints.service.js';
import { reencryptWebhookSecrets } from './webhook-secret.js';
import { WebhookDeliveryResolver, WebhookEndpointsResolver } from './webhooks.resolver.js';

declare module '../domain-module.js' {
  interface Services {
    /** Webhook endpoints as administrators manage them, and their deliveries. */
    webhookEndpoints: WebhookEndpointsService;
    /** Sends the deliveries; the server starts it once it serves (commands deliver nothing). */
    webhookDelivery: { start(): void };
  }
}
declare module '../graphql/request-context.js' {
  interface Loaders extends ReturnType<typeof createWebhookLoaders> {}
}

/**
 * Webhooks: signed HTTP deliveries of certificate events to registered endpoints, made from the
 * outbox after the change committed (never holding it up), retried with backoff, once across
 * instances. Listed after `events` (its wake-up), `audit` and `key-custody` (the sealed secrets).
 */
export const webhooksModule: DomainModule = {
  name: 'webhooks',
  entities: [WebhookEndpoint, WebhookDelivery, WebhookDeliveryAttempt],
  migrations: [Webhooks1795738000000, DeliveryEventIndex1795738300200, DeliveryEndpointDueIndex1795738300800],
  sealedColumns: [{ table: 'webhook_endpoints', masterKeyIdColumn: 'master_key_id' }],
  resolvers: [WebhookEndpointsResolver, WebhookDeliveryResolver],
  createLoaders: createWebhookLoaders,
  async createServices({ dataSource, config, logger, services, onClose }) {
    await reencryptWebhookSecrets(dataSource, services.privateKeyVault, logger.child({ component: 'webhooks' }));
    const dispatcher = new WebhookDispatcher(
      dataSource,
      services.privateKeyVault,
      services.audit,
      config.webhooks,
      logger.child({ component: 'webhooks' }),
    );
    onClose(() => dispatcher.close());
    return {
      webhookEndpoints: new WebhookEndpointsService(dataSource, services.audit, services.privateKeyVault, () => dispatcher.wake()),
      webhookDelivery: { start: () => dispatcher.start((wake) => services.certificateEvents.onWake(wake)) },
    };
  },
};
