/** Organizations per page of the inventory. */
export const ORGANIZATIONS_PAGE_SIZE = 100;

/** The inventory's variables as the Organizations view opens (no filter): `main.ts` asks for this page before the view exists. */
export const firstPageVariables = { first: ORGANIZATIONS_PAGE_SIZE, filter: null };
