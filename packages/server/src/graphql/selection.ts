import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** The fields of `selectionSets`, through inline fragments and fragment spreads. */
function fieldsOf(info: GraphQLResolveInfo, selectionSets: readonly (SelectionSetNode | undefined)[]): FieldNode[] {
  return selectionSets.flatMap(
    (selectionSet) =>
      selectionSet?.selections.flatMap((selection) => {
        if (selection.kind === Kind.FIELD) return [selection];
        if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(info, [selection.selectionSet]);
        return fieldsOf(info, [info.fragments[selection.name.value]?.selectionSet]);
      }) ?? [],
  );
}

/**
 * The names of the fields the field being resolved selects on its value's field `name` (fragments
 * included), or null when it does not select `name`. Fields under `@skip`/`@include` count as
 * selected: resolvers use this only to fetch ahead.
 */
export function selectedFieldsOf(info: GraphQLResolveInfo, name: string): Set<string> | null {
  const nodes = fieldsOf(
    info,
    info.fieldNodes.map((node) => node.selectionSet),
  ).filter((field) => field.name.value === name);
  if (nodes.length === 0) return null;
  return new Set(
    fieldsOf(
      info,
      nodes.map((node) => node.selectionSet),
    ).map((field) => field.name.value),
  );
}

/** Whether the field being resolved selects `name` on its value (fragments included, `@skip`/`@include` ignored). */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  return selectedFieldsOf(info, name) !== null;
}
