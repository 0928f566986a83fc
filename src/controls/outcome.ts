/**
 * The words every part of Attest shares, declared once: the four outcomes (docs/controls.md "Outcomes"),
 * their counts, and a subject's classification. The store, the engine, the resolvers and the UI import
 * these rather than spelling them again.
 */
import { z } from 'zod';

export const Outcome = z.enum(['pass', 'fail', 'not-evaluable', 'not-applicable']);
export type Outcome = z.infer<typeof Outcome>;

export const OutcomeCounts = z.object({ pass: z.number(), fail: z.number(), 'not-evaluable': z.number(), 'not-applicable': z.number() });
export type OutcomeCounts = z.infer<typeof OutcomeCounts>;

/** A repository's classification as evaluated: the policy's two classes, or none yet. */
export const SubjectClassification = z.enum(['production', 'non-production', 'unclassified']);
export type SubjectClassification = z.infer<typeof SubjectClassification>;
