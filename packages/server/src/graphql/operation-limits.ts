import { ErrorCode } from '@bam/shared';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { type GraphQLError, Lexer, type ParseOptions, Source, TokenKind, type ValidationContext, type ValidationRule } from 'graphql';
import { limitError } from './limit-error.js';
import { hasRefusedLiterals } from './literal-values.rule.js';
import { noTypeReentryRule } from './no-type-reentry.rule.js';
import { oncePerDocumentRule } from './once-per-document.rule.js';
import { storableTextRule } from './storable-text-input.js';

/**
 * What one GraphQL document may ask for, over HTTP and WebSocket alike. Chosen so every operation
 * of the console and the README passes with room to spare (`operation-limits.test.ts` checks them).
 */
export const operationLimits = {
  /** Tokens read before parsing stops. The console's largest operation has 57; the playground's introspection 184. */
  maxTokens: 2000,
  /** Nesting of fields, fragments flattened. The README's deepest example has 6. */
  maxDepth: 7,
  /** Aliases per operation: the console uses none; aliases are how one request repeats work. */
  maxAliases: 10,
  maxDirectives: 10,
  /**
   * graphql-armor's estimate: 1 per scalar, 2 per object, each level weighing 1.5× the one above, times a
   * literal `first`. A backstop for wide documents: with the largest page (100), the README's query costs
   * 8,263 and the statement-count test's 10,896. Lists without `first` count once, so the re-entry rule,
   * not the cost, keeps the mutually recursive fields safe.
   */
  maxCost: 20_000,
} as const;

/** Options of every parse: graphql-js stops reading a document at the token limit instead of parsing megabytes. */
export const parseOptions: ParseOptions = { maxTokens: operationLimits.maxTokens };

/** Whether a document the parser refused was refused for its length (QUERY_TOO_LARGE) rather than its syntax. */
export function exceedsTokenLimit(source: string): boolean {
  const lexer = new Lexer(new Source(source));
  try {
    for (let tokens = 0; tokens <= operationLimits.maxTokens; tokens++) {
      if (lexer.advance().kind === TokenKind.EOF) return false;
    }
    return true;
  } catch {
    return false;
  }
}

// graphql-armor's messages start with "Syntax Error:" even for validation limits; the code says what it is.
const refuseAsTooComplex = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(limitError(ErrorCode.QUERY_TOO_COMPLEX, error.message.replace(/^Syntax Error: /, '')));
const refusal = { propagateOnRejection: false, onReject: [refuseAsTooComplex] };

/**
 * The cost estimate multiplies by each literal `first`, and graphql-armor computes it as it enters the
 * operation, before any literal is checked: a refused `first: 100000000000` would also be "too complex".
 * Its refusal waits for the end of the document and is dropped when a literal was refused.
 */
const pendingCostRefusals = new WeakMap<ValidationContext, GraphQLError>();
const costRefusal = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context && pendingCostRefusals.set(context, error)],
};
const reportCostRefusal: ValidationRule = (context) => ({
  Document: {
    leave() {
      const error = pendingCostRefusals.get(context);
      if (error && !hasRefusedLiterals(context)) refuseAsTooComplex(context, error);
    },
  },
});

const armor = new ApolloArmor({
  maxDepth: { n: operationLimits.maxDepth, flattenFragments: true, ...refusal },
  maxAliases: { n: operationLimits.maxAliases, ...refusal },
  maxDirectives: { n: operationLimits.maxDirectives, ...refusal },
  costLimit: { maxCost: operationLimits.maxCost, flattenFragments: true, ...costRefusal },
  // Both are Apollo-only plugins in graphql-armor. Every transport gets them instead from `parseOptions`
  // (graphql-js's own token limit) and from formatGraphQLError (which removes "Did you mean …?").
  maxTokens: { enabled: false },
  blockFieldSuggestion: { enabled: false },
}).protect();

/**
 * Validation rules every transport adds to graphql-js's own: the limits, whose refusals carry QUERY_TOO_COMPLEX,
 * and string literals PostgreSQL can store (INVALID_INPUT; variables are checked per request, see storable-text-input.ts).
 */
export const operationValidationRules: readonly ValidationRule[] = [
  ...armor.validationRules,
  reportCostRefusal,
  noTypeReentryRule,
  oncePerDocumentRule,
  storableTextRule,
];
