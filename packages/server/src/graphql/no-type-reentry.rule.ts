import { ErrorCode } from '@bam/shared';
import {
  getNamedType,
  getNullableType,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  isListType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { limitError } from './limit-error.js';

/** Selections one operation may expand (fragments inlined) before this rule gives up and refuses it. */
const MAX_SELECTIONS = 10_000;

/**
 * Refuses an operation in which a list field brings one path back to a type it already passed
 * through, such as organization → backupApplications → organization → backupApplications, or an
 * application's certificate → usedBy. Relations point both ways, so such a path multiplies the rows
 * read by the size of every list on it; without it, what a query returns grows with the data, not
 * exponentially with its depth. Coming back through a single object (an application's organization) costs nothing.
 */
export const noTypeReentryRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    const root = context.getSchema().getRootType(operation.operation);
    if (root) new ReentryWalk(context).walk(operation.selectionSet, root, [root], new Set());
    return false;
  },
});

class ReentryWalk {
  private budget = MAX_SELECTIONS;
  private refused = false;

  constructor(private readonly context: ValidationContext) {}

  walk(selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: readonly GraphQLNamedType[], fragmentsOnPath: ReadonlySet<string>): void {
    for (const selection of selectionSet.selections) {
      if (this.refused) return;
      if (--this.budget < 0) return this.refuse('It expands to too many selections.', selection);
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        const type = field && getNamedType(field.type);
        if (!type || !isCompositeType(type)) continue;
        if (isListType(getNullableType(field.type)) && path.includes(type)) {
          return this.refuse(`The list "${selection.name.value}" comes back to ${type.name}, which this path already passed through.`, selection);
        }
        this.walk(selection.selectionSet, type, [...path, type], fragmentsOnPath);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.context.getSchema().getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) this.walk(selection.selectionSet, type, path, fragmentsOnPath);
      } else {
        const name = selection.name.value;
        const fragment = this.context.getFragment(name);
        // A fragment spreading itself is reported by graphql-js's own NoFragmentCycles rule.
        if (!fragment || fragmentsOnPath.has(name)) continue;
        const type = this.context.getSchema().getType(fragment.typeCondition.name.value);
        if (type && isCompositeType(type)) this.walk(fragment.selectionSet, type, path, new Set([...fragmentsOnPath, name]));
      }
    }
  }

  private refuse(detail: string, node: SelectionSetNode['selections'][number]): void {
    this.refused = true;
    this.context.reportError(limitError(ErrorCode.QUERY_TOO_COMPLEX, detail, [node]));
  }
}
