/** Signs in over real HTTP and returns the `Cookie` header value that carries the session. */
export async function signInCookie(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation SignIn($input: SignInInput!) { signIn(input: $input) { errors { code } } }',
      variables: { input: { username, password } },
    }),
  });
  const body = (await response.json()) as { data?: { signIn: { errors: { code: string }[] } } };
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith('bam_session='));
  if (!cookie) throw new Error(`sign-in as ${username} failed: ${JSON.stringify(body)}`);
  return cookie.split(';')[0]!;
}
