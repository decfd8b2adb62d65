import { onScopeDispose, type Ref, shallowRef, watch } from 'vue';
import { useApolloClient } from '../../common/apollo/apollo-client-key.js';
import { failureCode } from '../../common/apollo/failure.js';
import { InspectPfxDocument } from '../../generated/graphql.js';
import type { PfxCheck } from './wizard-flow.js';

/**
 * Has the server read the chosen PFX file (inspectPfx, which stores nothing) whenever the file changes,
 * and once typing in the password pauses for `delay` ms. A newer check aborts the one still running,
 * so only the answer for the current file and password is ever shown.
 */
export function usePfxInspection(
  file: Ref<File | null>,
  password: Ref<string>,
  /** False while the file is refused before upload (empty, over the server's limit): nothing is sent. */
  sendable: () => boolean,
  delay = 400,
): {
  check: Ref<PfxCheck>;
  /** Checks now, without waiting for the typing to pause. */
  checkNow: () => Promise<void>;
  /** Resolves when the check for the current file and password has its answer (starting it now if typing delayed it). */
  settled: () => Promise<void>;
} {
  const client = useApolloClient();
  const check = shallowRef<PfxCheck>({ kind: 'idle' });
  let running: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let answer: Promise<void> = Promise.resolve();

  function cancel() {
    clearTimeout(timer);
    running?.abort();
    running = undefined;
  }

  function checkNow(): Promise<void> {
    answer = inspect();
    return answer;
  }

  async function inspect() {
    cancel();
    if (!file.value || !sendable()) {
      check.value = { kind: 'idle' };
      return;
    }
    const controller = (running = new AbortController());
    check.value = { kind: 'checking' };
    try {
      const { data, error } = await client.query({
        query: InspectPfxDocument,
        variables: { input: { file: file.value, password: password.value || null } },
        fetchPolicy: 'no-cache',
        // Files do not show in the variables' cache key: two files must never share one request.
        context: { fetchOptions: { signal: controller.signal }, queryDeduplication: false },
      });
      if (controller.signal.aborted) return;
      if (error || !data) throw error ?? new Error('The server returned no data.');
      check.value = { kind: 'checked', inspection: data.inspectPfx };
    } catch (error) {
      if (!controller.signal.aborted) check.value = { kind: 'unchecked', code: failureCode(error) };
    }
  }

  watch([file, sendable], () => void checkNow());
  watch(password, () => {
    cancel();
    // The answer for the old password no longer holds: Next waits for the new one.
    if (file.value && sendable()) check.value = { kind: 'checking' };
    timer = setTimeout(() => void checkNow(), delay);
  });
  onScopeDispose(cancel);

  async function settled() {
    if (check.value.kind !== 'checking') return;
    if (!running) await checkNow();
    else await answer;
  }
  return { check, checkNow, settled };
}
