import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Body } from '../../api/types';
import { useResource } from '../../app/resource';
import { describe } from '../../ui/action';
import { dateTime, localDate } from '../../ui/format';
import { Card } from '../../ui/page';

type Document = Body<'/api/household', 'put'>;

/**
 * The household document as a file (issue 8, screen 8): export to keep or edit elsewhere, import to
 * replace it. The import names the revision it replaces (If-Match), so it never overwrites a change
 * made meanwhile, and the hub checks the whole document: on any problem nothing changes.
 */
export function HouseholdFileCard(props: { canImport: boolean }) {
  const household = useResource('/api/household', { on: ['household'] });
  const [exportProblem, setExportProblem] = useState<string | null>(null);
  return (
    <Card id="household-file" title="Household document">
      <p class="muted small">
        The care plan as one JSON file: home, person, zones, devices, rules.
        {household.data ? ` Revision ${household.data.revision}${household.data.updatedAt ? `, changed ${dateTime(household.data.updatedAt)}` : ''}.` : ''}
      </p>
      <div class="row">
        <button
          type="button"
          class="button"
          onClick={() => {
            setExportProblem(null);
            void api
              .get('/api/household')
              .then((reply) => download(`household-${localDate()}.json`, `${JSON.stringify(reply.household, null, 2)}\n`))
              .catch((error: unknown) => setExportProblem(describe(error)));
          }}
        >
          Export the household document
        </button>
      </div>
      {exportProblem ? (
        <p class="problem" role="alert">
          {exportProblem}
        </p>
      ) : null}
      {props.canImport ? <Importer revision={household.data?.revision} onImported={() => void household.reload()} /> : null}
    </Card>
  );
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Importer(props: { revision: number | undefined; onImported: () => void }) {
  const [file, setFile] = useState<{ name: string; document: Document } | null>(null);
  const [problem, setProblem] = useState<{ message: string; list: Array<{ path?: string; message: string }> } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = async (input: HTMLInputElement) => {
    setProblem(null);
    setDone(null);
    setFile(null);
    const chosen = input.files?.[0];
    if (!chosen) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await chosen.text());
    } catch (error) {
      setProblem({ message: `${chosen.name} is not a JSON file (${(error as Error).message}). Nothing was changed.`, list: [] });
      return;
    }
    // An export of GET /api/household as it answers ({household, revision}) is accepted too.
    const document = (typeof parsed === 'object' && parsed !== null && 'household' in parsed ? (parsed as { household: unknown }).household : parsed) as Document;
    setFile({ name: chosen.name, document });
  };

  const replace = async () => {
    if (!file || props.revision === undefined) return;
    setBusy(true);
    setProblem(null);
    try {
      const reply = await api.put('/api/household', { body: file.document, headers: { 'if-match': `"${props.revision}"` } });
      setDone(`Imported ${file.name}: the household document is now revision ${reply.revision}.`);
      setFile(null);
      props.onImported();
    } catch (error) {
      const list = error instanceof ApiError ? (error.problems ?? []) : [];
      const message = error instanceof ApiError && list.length > 0 ? `The hub refused ${file.name}: ${error.status === 400 ? 'the document has problems' : error.message}.` : describe(error);
      setProblem({ message: `${message} Nothing was changed.`, list });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="stack household-import">
      <h3>Import</h3>
      <div class="field">
        <label for="household-import-file">Household document to import</label>
        <p class="hint" id="household-import-file-hint">
          A .json file. It replaces the whole document; export first to keep a copy of the current one.
        </p>
        <input id="household-import-file" type="file" accept="application/json,.json" aria-describedby="household-import-file-hint" onChange={(e) => void choose(e.currentTarget)} />
      </div>
      {file ? (
        <div class="row">
          <button type="button" class="button button-primary" disabled={busy || props.revision === undefined} aria-busy={busy} onClick={() => void replace()}>
            Replace the household document with {file.name}
          </button>
        </div>
      ) : null}
      {problem ? (
        <div class="problem" role="alert">
          <p>{problem.message}</p>
          {problem.list.length > 0 ? (
            <ul class="import-problems">
              {problem.list.map((p, i) => (
                <li key={i}>
                  {p.path ? <code class="wrap">{p.path}</code> : null} {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {done ? (
        <p class="action-done" role="status">
          {done}
        </p>
      ) : null}
    </div>
  );
}
