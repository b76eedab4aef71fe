/**
 * RFC 9457 problem details (application/problem+json), the body of every error response.
 * Extension members locate the fault: the field path, and for CSV the line and column.
 */
import { z } from 'zod'
import './messages.js'
import { errorCodes } from '../errors.js'

export const FieldIssue = z.object({
  field: z.string().describe('JSON path of the offending value, e.g. layers[0].units ("" for the whole part)'),
  in: z.enum(['body', 'querystring', 'params', 'headers']).optional(),
  message: z.string()
}).meta({ id: 'FieldIssue' })

export const Problem = z.looseObject({
  type: z.string().describe('A URI that identifies the kind of problem, e.g. urn:backprop:problem:validation'),
  title: z.string().describe('The HTTP reason phrase of the status'),
  status: z.number().int(),
  detail: z.string().describe('What went wrong and what to change'),
  instance: z.string().optional().describe('The request path'),
  // an enum, so that a generated client can switch on it; the description pairs each code with its status
  code: z.enum([...errorCodes().keys()] as [string, ...string[]]).optional().describe(`Stable error code: ${[...errorCodes()].map(([code, status]) => `${code} (${status})`).join(', ')}`),
  errors: z.array(FieldIssue).optional().describe('One entry per invalid field'),
  field: z.string().optional().describe('JSON path of the offending value; with `errors`, the first one\'s'),
  line: z.number().int().optional().describe('1-based CSV line (the header is line 1)'),
  column: z.number().int().optional().describe('1-based CSV column, or 0-based column of a JSON matrix'),
  row: z.number().int().optional().describe('0-based row of a JSON matrix'),
  error: z.string().optional().describe('The detail again, on GET /v1/models/{ref}, the route TensorFlow Serving\'s model-status clients share: they read a failure\'s `error`'),
  changes: z.array(z.string()).optional().describe('What the request would change that it did not opt in to, one entry per difference (a model name\'s signature: inputs, output, outputs)')
}).meta({ id: 'Problem', description: 'RFC 9457 problem details' })

export type ProblemBody = z.infer<typeof Problem>

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
