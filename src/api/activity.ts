// Activity charts' data: ingest rates, drops, parse errors and detections over the last hour or day.
import type { FastifyInstance } from 'fastify';
import type { Activity } from '../alerts/activity.js';

export async function activityRoutes(app: FastifyInstance, deps: { activity: Activity }): Promise<void> {
  app.get<{ Querystring: { range: 'hour' | 'day' } }>(
    '/api/activity',
    {
      schema: {
        tags: ['activity'],
        summary: 'Messages/s per source and transport, drops (and the kernel UDP drops), parse errors, detections per hour',
        description: 'Buckets with nothing in them are left out: a missing point is zero.',
        querystring: { type: 'object', additionalProperties: false, properties: { range: { enum: ['hour', 'day'], default: 'hour' } } },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['range', 'from', 'to', 'series'],
            properties: {
              range: { enum: ['hour', 'day'] },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['metric', 'labels', 'unit', 'stepSeconds', 'points'],
                  properties: {
                    metric: { enum: ['received', 'dropped', 'parseErrors', 'kernelDrops', 'detections'] },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    unit: { enum: ['per_second', 'per_hour'] },
                    stepSeconds: { type: 'integer' },
                    points: { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }, description: '[epoch seconds, value]' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const r = deps.activity.read(req.query.range, new Date());
      return { ...r, from: r.from.toISOString(), to: r.to.toISOString() };
    },
  );
}
