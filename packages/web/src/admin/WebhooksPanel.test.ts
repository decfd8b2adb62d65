import { errorMessages } from '@bam/shared';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, mockApolloClient } from '../test-support/mock-apollo.js';
import WebhooksPanel from './WebhooksPanel.vue';

const endpointId = '11111111-1111-4111-8111-111111111111';
const eventId = '22222222-2222-4222-8222-222222222222';

function endpoint(overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'WebhookEndpoint',
    id: endpointId,
    url: 'https://hooks.example.com/bam',
    description: 'SIEM',
    eventTypes: ['CERTIFICATE_UPDATED', 'STORE_CERTIFICATE_GENERATED'],
    organizationIds: null,
    enabled: false,
    disabledReason: '5 deliveries in a row were given up after every attempt failed',
    disabledAt: '2026-11-27T10:00:00.000Z',
    createdAt: '2026-11-20T10:00:00.000Z',
    createdBy: 'user:admin',
    deliveries: {
      __typename: 'WebhookDeliveryConnection',
      totalCount: 1,
      edges: [
        {
          __typename: 'WebhookDeliveryEdge',
          node: {
            __typename: 'WebhookDelivery',
            id: '33333333-3333-4333-8333-333333333333',
            eventId,
            eventType: 'STORE_CERTIFICATE_GENERATED',
            status: 'GAVE_UP',
            attempts: 8,
            lastHttpStatus: 503,
            lastError: 'HTTP 503: Service Unavailable',
            lastAttemptAt: '2026-11-27T09:59:00.000Z',
            nextAttemptAt: null,
          },
        },
      ],
    },
    ...overrides,
  };
}

function mountPanel(handlers: Record<string, (variables: Record<string, unknown>) => unknown> = {}) {
  const apollo = mockApolloClient({
    WebhookEndpoints: () => ({ webhookEndpoints: [endpoint()] }),
    ScopeOrganizations: () => ({ organizations: { __typename: 'OrganizationConnection', totalCount: 0, edges: [] } }),
    ...handlers,
  });
  const wrapper = mount(WebhooksPanel, { global: { provide: apollo.provide } });
  return { wrapper, apollo };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('WebhooksPanel', () => {
  it('lists endpoints with their state and, on demand, their deliveries; re-sends a delivery’s event once enabled', async () => {
    const { wrapper, apollo } = mountPanel({
      UpdateWebhookEndpoint: () => ({
        updateWebhookEndpoint: {
          __typename: 'UpdateWebhookEndpointPayload',
          endpoint: endpoint({ enabled: true, disabledReason: null, disabledAt: null }),
          errors: [],
        },
      }),
      ResendWebhookEvent: () => ({
        resendWebhookEvent: {
          __typename: 'ResendWebhookEventPayload',
          delivery: { __typename: 'WebhookDelivery', id: '33333333-3333-4333-8333-333333333333', status: 'PENDING' },
          errors: [],
        },
      }),
    });
    await eventually(() => expect(wrapper.findAll('[data-testid="webhook-row"]')).toHaveLength(1));
    const state = wrapper.get('[data-testid="webhook-state"]').text();
    expect(state).toContain('Disabled on');
    expect(state).toContain('5 deliveries in a row were given up after every attempt failed');
    expect(wrapper.get('[data-testid="webhook-row"]').text()).toContain('Certificate updated, Store certificate generated');

    await wrapper.get('[data-testid="webhook-deliveries-toggle"]').trigger('click');
    const delivery = wrapper.get('[data-testid="webhook-delivery-row"]');
    expect(delivery.text()).toContain('Given up');
    expect(delivery.text()).toContain('HTTP 503: Service Unavailable');
    // A disabled endpoint cannot be re-sent to: enable it first.
    expect(wrapper.get('[data-testid="webhook-resend"]').attributes('disabled')).toBeDefined();

    await wrapper.get('[data-testid="webhook-enable"]').trigger('click');
    await eventually(() => expect(wrapper.get('[data-testid="webhook-resend"]').attributes('disabled')).toBeUndefined());
    await wrapper.get('[data-testid="webhook-resend"]').trigger('click');
    await eventually(() => expect(wrapper.get('[data-testid="webhook-status"]').text()).toBe('The event will be sent again.'));
    expect(
      apollo.operations.filter((operation) => operation.operationName !== 'WebhookEndpoints' && operation.operationName !== 'ScopeOrganizations'),
    ).toEqual([
      { operationName: 'UpdateWebhookEndpoint', variables: { input: { endpointId, enabled: true } } },
      { operationName: 'ResendWebhookEvent', variables: { input: { endpointId, eventId } } },
    ]);
    wrapper.unmount();
  });

  it('shows why a re-send was refused when the endpoint no longer takes the event', async () => {
    const { wrapper } = mountPanel({
      // The endpoint now wants certificate updates only: its earlier store delivery is outside its filters.
      WebhookEndpoints: () => ({
        webhookEndpoints: [endpoint({ enabled: true, disabledReason: null, disabledAt: null, eventTypes: ['CERTIFICATE_UPDATED'] })],
      }),
      ResendWebhookEvent: () => ({
        resendWebhookEvent: {
          __typename: 'ResendWebhookEventPayload',
          delivery: null,
          errors: [{ __typename: 'MutationError', code: 'WEBHOOK_EVENT_NOT_SUBSCRIBED' }],
        },
      }),
    });
    await eventually(() => expect(wrapper.findAll('[data-testid="webhook-row"]')).toHaveLength(1));
    await wrapper.get('[data-testid="webhook-deliveries-toggle"]').trigger('click');
    await wrapper.get('[data-testid="webhook-resend"]').trigger('click');
    await eventually(() => expect(wrapper.get('[data-testid="webhook-error"]').text()).toBe(errorMessages.WEBHOOK_EVENT_NOT_SUBSCRIBED));
    expect(wrapper.find('[data-testid="webhook-status"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('adds an endpoint and shows its secret once, with a copy button', async () => {
    const secret = `whsec_${'A'.repeat(43)}=`;
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    let created = false;
    const { wrapper, apollo } = mountPanel({
      WebhookEndpoints: () => ({ webhookEndpoints: created ? [endpoint({ enabled: true })] : [] }),
      CreateWebhookEndpoint: () => {
        created = true;
        return {
          createWebhookEndpoint: { __typename: 'WebhookEndpointSecretPayload', endpoint: endpoint({ enabled: true }), secret, errors: [] },
        };
      },
    });
    await flushPromises();
    await wrapper.get('input[type="url"]').setValue('http://127.0.0.1:8080/hooks');
    const storeGenerated = wrapper
      .findAll('[data-testid="webhook-event-types"] label')
      .find((label) => label.text() === 'Store certificate generated')!;
    await storeGenerated.get('input').setValue(true);
    await wrapper.get('[data-testid="webhook-form"]').trigger('submit');
    await eventually(() => expect(wrapper.get('[data-testid="webhook-secret"]').text()).toContain(secret));
    // The list asks again and shows the new endpoint.
    await eventually(() => expect(wrapper.findAll('[data-testid="webhook-row"]')).toHaveLength(1));
    expect(apollo.operations.find((operation) => operation.operationName === 'CreateWebhookEndpoint')!.variables).toEqual({
      input: {
        url: 'http://127.0.0.1:8080/hooks',
        description: '',
        eventTypes: ['CERTIFICATE_UPDATED', 'STORE_CERTIFICATE_GENERATED'],
        organizationIds: null,
      },
    });
    await wrapper.get('[data-testid="webhook-secret-copy"]').trigger('click');
    await eventually(() => expect(writeText).toHaveBeenCalledWith(secret));
    wrapper.unmount();
  });

  it('shows a refused URL in plain words, by its code', async () => {
    const { wrapper } = mountPanel({
      WebhookEndpoints: () => ({ webhookEndpoints: [] }),
      CreateWebhookEndpoint: () => ({
        createWebhookEndpoint: {
          __typename: 'WebhookEndpointSecretPayload',
          endpoint: null,
          secret: null,
          errors: [{ __typename: 'MutationError', code: 'WEBHOOK_URL_NOT_HTTPS' }],
        },
      }),
    });
    await flushPromises();
    await wrapper.get('input[type="url"]').setValue('http://hooks.example.com/bam');
    await wrapper.get('[data-testid="webhook-form"]').trigger('submit');
    await eventually(() =>
      expect(wrapper.get('[data-testid="webhook-error"]').text()).toBe(
        'Use an https:// address. Plain http:// is allowed only for this machine (localhost, 127.0.0.1, ::1).',
      ),
    );
    expect(wrapper.find('[data-testid="webhook-secret"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
