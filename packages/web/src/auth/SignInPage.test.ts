import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { eventually, mockApolloClient } from '../test-support/mock-apollo.js';
import SignInPage from './SignInPage.vue';

const payload = (code: string | null) => ({
  signIn: {
    __typename: 'SignInPayload',
    me: code ? null : { __typename: 'CurrentActor', kind: 'USER', name: 'alice', role: 'VIEWER', organizationIds: null, mustChangePassword: false },
    errors: code ? [{ __typename: 'MutationError', code }] : [],
  },
});

async function submit(code: string | null) {
  const apollo = mockApolloClient({ SignIn: () => payload(code) });
  const wrapper = mount(SignInPage, { global: { provide: apollo.provide } });
  await wrapper.get('[data-testid="sign-in-username"]').setValue('alice');
  await wrapper.get('[data-testid="sign-in-password"]').setValue('a-password-123');
  await wrapper.get('form').trigger('submit');
  await flushPromises();
  return { wrapper, apollo };
}

describe('SignInPage', () => {
  it('sends the username and password, then tells the app it signed in', async () => {
    const { wrapper, apollo } = await submit(null);
    await eventually(() => expect(wrapper.emitted('signedIn')).toHaveLength(1));
    expect(apollo.operations[0]).toEqual({ operationName: 'SignIn', variables: { input: { username: 'alice', password: 'a-password-123' } } });
    wrapper.unmount();
  });

  it.each([
    ['INVALID_CREDENTIALS', 'The username or password is not correct.'],
    ['SIGN_IN_THROTTLED', 'Too many failed sign-ins. Wait a few minutes, then try again.'],
  ])('shows %s in plain words and clears the password', async (code, text) => {
    const { wrapper } = await submit(code);
    await eventually(() => expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(text));
    expect((wrapper.get('[data-testid="sign-in-password"]').element as HTMLInputElement).value).toBe('');
    expect(wrapper.emitted('signedIn')).toBeUndefined();
    wrapper.unmount();
  });
});
