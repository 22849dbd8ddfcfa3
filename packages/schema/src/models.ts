import { z } from "zod";

export const modelInfoSchema = z.object({
  name: z.string(),
  family: z.string().nullable(),
  parameterSize: z.string().nullable(),
  quantization: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;
