import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved selects `name` on its value, directly or through fragments. It
 * counts a field under `@skip`/`@include` as selected: resolvers use it only to fetch ahead.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const selects = (selectionSet: SelectionSetNode | undefined): boolean =>
    selectionSet?.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return selects(selection.selectionSet);
      return selects(info.fragments[selection.name.value]?.selectionSet);
    }) ?? false;
  return info.fieldNodes.some((node) => selects(node.selectionSet));
}
