/** What `%dt alert …` and `%dt alerts …` do with the session's engine (magics/alert-line.ts parses them). */
import { judge, previewQuery } from '../alerts/preview.js';
import { templateSql } from '../alerts/templates.js';
import { incidentsBundle, previewBundle } from '../display/alerts.js';
import { type OutputBundle, tableBundle, textBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import type { AlertCommand } from './alert-line.js';
import { magicError } from './words.js';

export async function runAlertCommand(
  engine: Engine,
  command: AlertCommand,
  cell: string,
): Promise<OutputBundle[]> {
  const incidents = engine.alerts.incidents;
  const now = engine.clock.now();
  switch (command.kind) {
    case 'alert_template': {
      const { spec } = command;
      for (const [name, at] of [
        [spec.channel, command.channelAt],
        [spec.escalateTo, command.escalateAt],
      ] as const)
        if (name !== undefined && at !== undefined && !(await engine.alerts.integrationExists(name)))
          throw magicError(
            cell,
            at,
            `notification integration ${name} does not exist: create it with CREATE NOTIFICATION INTEGRATION`,
            'DT_ERR_UNKNOWN_OBJECT',
          );
      const sql = templateSql(spec);
      const [created] = await engine.execute(sql.create);
      const [resumed] = await engine.execute(sql.resume);
      return [
        textBundle(`${sql.create};\n${sql.resume};\n\n${created?.message ?? ''} ${resumed?.message ?? ''}`),
      ];
    }
    case 'alert_preview': {
      const q = previewQuery(command.spec);
      await engine.flushLagSamples();
      const { rows } = await engine.backend.query(q.sql, q.params);
      return [previewBundle(judge(command.spec, rows))];
    }
    case 'alerts_list':
      return [incidentsBundle(await incidents.list(command.limit), now)];
    case 'alerts_ack':
    case 'alerts_resolve': {
      const i =
        command.kind === 'alerts_ack'
          ? await incidents.acknowledge(command.id, command.note, now)
          : await incidents.resolve(command.id, command.note, now);
      return [
        textBundle(`incident ${i.id} ${i.state.toLowerCase()}`),
        incidentsBundle(await incidents.list(), now),
      ];
    }
    case 'alerts_show': {
      const i = await incidents.get(command.id);
      const events = await incidents.events(command.id);
      return [
        tableBundle(
          {
            columns: ['time', 'event', 'detail'].map((name) => ({ name, type: 'varchar' })),
            rows: events.map((e) => [
              new Date(e.at).toISOString().slice(0, 19).replace('T', ' '),
              e.event,
              e.detail,
            ]),
          },
          `incident ${i.id} (${i.severity}, ${i.state}) of alert ${i.alert}: ${i.summary}`,
        ),
      ];
    }
  }
}
