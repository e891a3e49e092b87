import * as z from 'zod';

export const NUMBER_MIN = 1;
export const NUMBER_MAX = 180;

/** What `GET /number` answers. The producer's tests and the consumer's validation both use this object. */
export const ProducerAnswerSchema = z.object({
  number: z.int().min(NUMBER_MIN).max(NUMBER_MAX),
});

export type ProducerAnswer = z.infer<typeof ProducerAnswerSchema>;

/** Names the instance that served an answer (the hostname: the container id in Docker). */
export const SERVED_BY_HEADER = 'x-served-by';

/** The one shape of every error answer both services send. */
export const ErrorBodySchema = z.object({
  error: z.object({
    status: z.int(),
    code: z.string(),
    message: z.string(),
  }),
});

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { error: { status, code, message } };
}
