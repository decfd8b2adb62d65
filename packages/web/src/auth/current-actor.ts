import { computed, type ComputedRef, inject, type InjectionKey, type Ref } from 'vue';
import type { MeQuery } from '../generated/graphql.js';

export type CurrentActor = NonNullable<MeQuery['me']>;

export const currentActorKey: InjectionKey<Ref<CurrentActor | null>> = Symbol('CurrentActor');

/**
 * Whether the signed-in caller may change certificates and applications (Operator or Administrator).
 * The server decides every request; the console only hides what the role cannot use. Nothing
 * provided (nobody signed in): no.
 */
export function useCanOperate(): ComputedRef<boolean> {
  const actor = inject(currentActorKey, null);
  return computed(() => actor?.value?.role === 'OPERATOR' || actor?.value?.role === 'ADMINISTRATOR');
}

/** Whether the signed-in caller is an Administrator (adds and removes organizations). */
export function useIsAdministrator(): ComputedRef<boolean> {
  const actor = inject(currentActorKey, null);
  return computed(() => actor?.value?.role === 'ADMINISTRATOR');
}
