import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../server/config.js';
import { generateToken, isWellFormedToken } from '../server/lib/tokens.js';

const USAGE = `Usage: npm run -s admin -- <command>

  tenant create SLUG [--name NAME] [--token nf_live_…] [--json]
      Create a tenant with an admin service token; prints the token once.
  tenant list [--json]
      List tenants.
  token generate
      Print a new well-formed token secret (for NEURO_BOOTSTRAP_TOKEN or --token).
  keys rotate [--json]
      Make a new signing key for access tokens; tokens signed with the old one keep working
      until they expire (the old key verifies for two more hours).

Uses the same settings as the server (DATABASE_URL, NEURO_DATA_DIR, NEURO_SECRET).
With the embedded database, stop the server first.`;

function die(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean' }, token: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean' } },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) die(USAGE, values.help ? 0 : 2);

  if (group === 'token' && command === 'generate') {
    console.log(generateToken());
    return;
  }
  const rotatingKeys = group === 'keys' && command === 'rotate';
  if (!rotatingKeys && (group !== 'tenant' || (command !== 'create' && command !== 'list'))) die(USAGE, 2);
  if (command === 'create' && !arg) die('tenant create needs a SLUG\n\n' + USAGE, 2);
  if (values.token !== undefined && !isWellFormedToken(values.token)) {
    die('--token is not a valid token; make one with: npm run -s admin -- token generate', 2);
  }

  const config = loadConfig();
  // Only the commands that need the database load it (and the server's modules).
  const [{ openDatabase }, { resolveSecret }, { createTokenService }, { createTenantService }, { createKeyStore }] = await Promise.all([
    import('../db/driver.js'),
    import('../server/lib/secret.js'),
    import('../server/modules/tokens/service.js'),
    import('../server/modules/tenants/service.js'),
    import('../server/lib/jwt.js'),
  ]);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const secret = resolveSecret(config);
    if (rotatingKeys) {
      const kid = await createKeyStore({ db, secret }).rotate();
      console.log(values.json ? JSON.stringify({ key_id: kid }) : `New signing key ${kid}; the previous one verifies for two more hours.`);
      return;
    }
    const tenants = createTenantService({ db, tokens: createTokenService({ db, secret }) });
    if (command === 'list') {
      const list = await tenants.list();
      if (values.json) console.log(JSON.stringify({ tenants: list }));
      else for (const t of list) console.log(`${t.slug}\t${t.id}\t${t.created_at}`);
      return;
    }
    const result = await tenants.create(arg!, { name: values.name, token: values.token });
    if (values.json) {
      console.log(JSON.stringify({ tenant: result.tenant, token: result.token }));
    } else {
      console.log(`Created tenant ${result.tenant.slug} (${result.tenant.id}).`);
      console.log(`Admin API token (shown only this once): ${result.token}`);
    }
  } finally {
    await db.close();
  }
}

main().catch(async (err) => {
  const [{ DataDirInUseError }, { AppError }] = await Promise.all([import('../db/driver.js'), import('../server/lib/errors.js')]);
  if (err instanceof ConfigError || err instanceof DataDirInUseError) die(err.message);
  if (err instanceof AppError) die(`${err.message}${err.details ? `: ${err.details.map((d) => `${d.field} ${d.message}`).join('; ')}` : ''}`);
  die(`neuro admin: ${(err as Error).message}`);
});
