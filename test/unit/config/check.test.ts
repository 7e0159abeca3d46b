import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../addon/src/config/errors.js';
import { checkConfigText, loadConfigText } from '../../../addon/src/config/load.js';
import { editConfigChecked, patchConfigChecked, replaceConfigChecked } from '../../../addon/src/config/write.js';

describe('checkConfigText: every problem, with line and key path', () => {
  const text =
    'api:\n  listen: [1, 2]\nrtsp:\n  listen: ":8554"\nwebrtc:\n  filters:\n    networks: [tcp4, ipx]\nlog:\n  level: loud\n';

  it('reports each invalid value where it is written', () => {
    const check = checkConfigText(text, { env: {} });
    assert.equal(check.config, undefined);
    assert.deepEqual(
      check.errors.map((e) => [e.code, e.line, e.column, e.path]),
      [
        ['CONFIG_INVALID', 2, 11, 'api.listen'],
        ['CONFIG_INVALID', 7, 22, 'webrtc.filters.networks[1]'],
        ['CONFIG_INVALID', 9, 10, 'log.level'],
      ],
    );
    assert.match(check.errors[0]?.reason ?? '', /expected a string, got a list/);
  });

  it('startup reading is unchanged: the first problem throws', () => {
    assert.throws(
      () => loadConfigText(text, { env: {} }),
      (err: unknown) =>
        err instanceof ConfigError && err.code === 'CONFIG_INVALID' && err.path === 'api.listen' && err.line === 2,
    );
  });

  it('a valid text gives the config and its warnings', () => {
    const check = checkConfigText('streams:\n  cam: rtsp://x/1\nbogus: 1\n', { env: {} });
    assert.deepEqual(check.errors, []);
    assert.deepEqual(check.config?.streams, { cam: ['rtsp://x/1'] });
    assert.deepEqual(
      check.warnings.map((w) => [w.line, w.path]),
      [[3, 'bogus']],
    );
  });

  it('a syntax error is one CONFIG_SYNTAX at its line', () => {
    const check = checkConfigText('streams:\n  cam: [1\n', { env: {} });
    assert.equal(check.errors.length, 1);
    assert.equal(check.errors[0]?.code, 'CONFIG_SYNTAX');
    assert.ok((check.errors[0]?.line ?? 0) >= 2);
  });

  it('a top level that is not a map is one error', () => {
    const check = checkConfigText('- a\n- b\n', { env: {} });
    assert.deepEqual(
      check.errors.map((e) => e.code),
      ['CONFIG_INVALID'],
    );
  });
});

describe('checked config edits: atomic, with a backup, nothing written when refused', () => {
  async function withFile(text: string, run: (file: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-check-'));
    const file = path.join(dir, 'ts2rtc.yaml');
    await writeFile(file, text);
    try {
      await run(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const refuse = (text: string): void => {
    if (text.includes('bad')) throw new Error('refused');
  };

  it('replace: the old text goes to .bak, the new one in place', () =>
    withFile('a: 1\n', async (file) => {
      const edit = await replaceConfigChecked(file, 'a: 2\n', { check: refuse });
      assert.deepEqual([edit.before, edit.after, edit.backupPath], ['a: 1\n', 'a: 2\n', `${file}.bak`]);
      assert.equal(await readFile(file, 'utf8'), 'a: 2\n');
      assert.equal(await readFile(`${file}.bak`, 'utf8'), 'a: 1\n');
    }));

  it('a refused replace or patch leaves the file and writes no backup', () =>
    withFile('a: 1\n', async (file) => {
      await assert.rejects(replaceConfigChecked(file, 'bad: 1\n', { check: refuse }), /refused/);
      await assert.rejects(patchConfigChecked(file, 'bad: 2\n', { check: refuse }), /refused/);
      assert.equal(await readFile(file, 'utf8'), 'a: 1\n');
      assert.equal(existsSync(`${file}.bak`), false);
    }));

  it('patch: the check sees the merged text', () =>
    withFile('# keep\na: 1\nb: {c: 1}\n', async (file) => {
      let seen = '';
      await patchConfigChecked(file, 'b: {d: 2}\n', { check: (text) => void (seen = text) });
      assert.match(seen, /# keep/);
      assert.match(seen, /c: 1/);
      assert.match(seen, /d: 2/);
      assert.equal(await readFile(file, 'utf8'), seen);
    }));

  it('an unchanged text writes nothing; a missing file is created without a backup', async () => {
    await withFile('a: 1\n', async (file) => {
      const edit = await editConfigChecked(file, (t) => t, { check: () => {} });
      assert.equal(edit.backupPath, undefined);
      assert.equal(existsSync(`${file}.bak`), false);
      const fresh = path.join(path.dirname(file), 'new.yaml');
      const created = await replaceConfigChecked(fresh, 'x: 1\n', { check: () => {} });
      assert.equal(created.backupPath, undefined);
      assert.equal(await readFile(fresh, 'utf8'), 'x: 1\n');
    });
  });
});
