import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Which Chromium the browser tests drive. In order: CHROMIUM_PATH when set; Debian's
 * /usr/bin/chromium when installed (unless BROWSER=npm); else the Chromium shipped inside the
 * @sparticuz/chromium npm package, so `npm install && npm test` needs no apt step.
 */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

const NODE_MODULES = fileURLToPath(new URL("../../node_modules/", import.meta.url));
const npmChromiumVersion = (): string =>
  (
    JSON.parse(readFileSync(join(NODE_MODULES, "@sparticuz/chromium/package.json"), "utf8")) as {
      version: string;
    }
  ).version;

/** Project-local, per version: the package would otherwise unpack into a shared /tmp/chromium. */
export const npmChromiumDir = (): string =>
  join(NODE_MODULES, ".cache/sparticuz-chromium", npmChromiumVersion());

export interface ChromiumChoice {
  executablePath: string;
  /** Extra environment for the browser process (fonts of the npm build). */
  env?: Record<string, string>;
  from: "CHROMIUM_PATH" | "system" | "npm";
}

const FONTS_CONF = "fonts.conf";

const npmChoice = (dir: string): ChromiumChoice => ({
  executablePath: join(dir, "chromium"),
  env: { FONTCONFIG_FILE: join(dir, FONTS_CONF) },
  from: "npm",
});

/**
 * The package's own fonts.conf names Lambda's folders (/tmp/fonts, /var/task): ours uses the
 * machine's fonts when it has any (so pages look as with Debian's chromium) and the package's
 * Open Sans otherwise (a fresh machine may have no fonts at all).
 */
const writeFontsConf = (dir: string, fontsDir: string): void =>
  writeFileSync(
    join(dir, FONTS_CONF),
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${fontsDir}</dir>
  <cachedir>${join(fontsDir, ".cache")}</cachedir>
</fontconfig>
`,
  );

export const chooseChromium = (env: NodeJS.ProcessEnv = process.env): ChromiumChoice => {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`CHROMIUM_PATH=${configured} does not exist: fix or unset it`);
    return { executablePath: configured, from: "CHROMIUM_PATH" };
  }
  if (env.BROWSER !== "npm" && existsSync(SYSTEM_CHROMIUM)) {
    return { executablePath: SYSTEM_CHROMIUM, from: "system" };
  }
  return npmChoice(npmChromiumDir());
};

/**
 * Unpacks the npm Chromium once (vitest's global setup calls this before any worker starts:
 * two workers unpacking at once fail with `spawn ETXTBSY`). It is unpacked into a temporary
 * folder and renamed into place, so an interrupted unpack is never mistaken for a finished one.
 */
export const ensureChromium = async (env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> => {
  const choice = chooseChromium(env);
  if (choice.from !== "npm" || existsSync(choice.executablePath)) return choice;
  const dir = npmChromiumDir();
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  // The package unpacks into os.tmpdir() (it reads TMPDIR on each call): point that at our folder.
  const savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = partial;
  try {
    const { default: chromium } = await import("@sparticuz/chromium");
    await chromium.executablePath();
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
  // Written with the final path: the folder is renamed into place next.
  writeFontsConf(partial, join(dir, "fonts", "fonts"));
  if (!existsSync(dir)) renameSync(partial, dir);
  else rmSync(partial, { recursive: true, force: true });
  return npmChoice(dir);
};
