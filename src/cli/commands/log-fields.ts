import type { Command } from 'commander';
import {
  carriedText,
  checklistJsonSchema,
  checklistMarkdown,
  INCIDENT_TITLES,
  INCIDENTS,
  isIncident,
  logFieldChecklist,
  type Incident,
} from '../../tools/log-fields.js';
import { withJson, type CommandContext, type RegisterCommand } from '../context.js';
import { CliError, EXIT, formatTable, writeJson } from '../io.js';

/** Output formats of `intentkey log-fields`. */
const FORMATS = ['text', 'markdown', 'json-schema'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `
Incidents:
${INCIDENTS.map((i) => `  ${i.padEnd(18)} ${INCIDENT_TITLES[i]}`).join('\n')}

Without --incident: every field any incident needs, with the incidents that need it.
"carried by intentkey" says which log lines (the logger option / attachLogger) or
event payloads (client.on) already hold the field; the rest your code or logger adds.

Formats: text (a table, the default), markdown (a section for a runbook),
json-schema (JSON Schema draft 2020-12 for one log record). --json prints the
checklist rows as JSON.

Examples:
  $ intentkey log-fields --incident duplicate-order
  $ intentkey log-fields --incident ambiguous-timeout --format markdown > runbook.md
  $ intentkey log-fields --format json-schema > intentkey-log.schema.json
  $ intentkey log-fields --json

Exit codes: 0 printed; 2 unknown incident or format.`;

interface LogFieldsOptions {
  readonly incident?: string;
  readonly format?: string;
  readonly json?: boolean;
}

function textTable(incident: Incident | undefined, ctx: CommandContext): string {
  const rows = logFieldChecklist(incident);
  const p = ctx.paint;
  const body = rows.map((r) => {
    const carried = r.carriedByIntentkey ? p.green(r.carried.log.length > 0 ? 'yes' : 'events only') : p.yellow('no');
    const example = typeof r.example === 'string' ? r.example : JSON.stringify(r.example);
    const need = incident === undefined ? r.incidents.join(', ') : (r.why[incident] ?? '');
    return [p.bold(r.name), r.type, example, carried, need];
  });
  const heading = incident === undefined ? 'Log fields for every idempotency incident' : `Log fields for ${incident}: ${INCIDENT_TITLES[incident]}`;
  const table = formatTable(['field', 'type', 'example', 'intentkey', incident === undefined ? 'needed for' : 'why'], body);
  const notCarried = rows.filter((r) => r.carried.log.length === 0);
  const footer = notCarried.map((r) => `  ${r.name}: ${carriedText(r)}`).join('\n');
  return `${p.bold(heading)}\n\n${table}${notCarried.length > 0 ? `\nNot in intentkey's log lines:\n${footer}\n` : ''}`;
}

/** Registers `intentkey log-fields`. */
export const registerLogFields: RegisterCommand = (program: Command, ctx: CommandContext) => {
  withJson(
    program
      .command('log-fields')
      .description('the structured log fields to keep for an idempotency incident, and which intentkey already logs')
      .option('--incident <kind>', `one incident: ${INCIDENTS.join(', ')} (default: all, as a union)`)
      .option('--format <format>', `${FORMATS.join(', ')} (default: text)`),
  )
    .addHelpText('after', HELP)
    .action((options: LogFieldsOptions) => {
      let incident: Incident | undefined;
      if (options.incident !== undefined) {
        if (!isIncident(options.incident)) throw new CliError(`--incident: expected one of ${INCIDENTS.join(', ')}, received ${JSON.stringify(options.incident)}`, EXIT.usage);
        incident = options.incident;
      }
      const format = options.format ?? 'text';
      if (!(FORMATS as readonly string[]).includes(format)) throw new CliError(`--format: expected one of ${FORMATS.join(', ')}, received ${JSON.stringify(format)}`, EXIT.usage);
      if (options.json === true && format === 'markdown') throw new CliError('--json: expected no --format markdown with it (JSON or Markdown, not both), received both', EXIT.usage);
      switch (format as Format) {
        case 'json-schema':
          writeJson(ctx.io.stdout, checklistJsonSchema(incident));
          return;
        case 'markdown':
          ctx.io.stdout.write(checklistMarkdown(incident));
          return;
        case 'text':
          if (options.json === true) writeJson(ctx.io.stdout, { incident: incident ?? null, fields: logFieldChecklist(incident) });
          else ctx.io.stdout.write(textTable(incident, ctx));
          return;
      }
    });
};
