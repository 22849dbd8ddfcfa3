import { useId } from "react";
import type { ModelEntry } from "../trpc.ts";

interface ModelPickerProps {
  models: ModelEntry[];
  value: string | null;
  loading: boolean;
  /** False when Ollama could not be asked: then nobody knows what is installed. */
  reachable: boolean;
  onChange: (model: string) => void;
}

function describeContext(tokens: number | null): string | null {
  if (tokens === null) return null;
  return tokens >= 1024 ? `${Math.round(tokens / 1024)}K context` : `${tokens} context`;
}

function describeModel(model: ModelEntry): string {
  return [model.name, model.parameterSize, model.quantization, describeContext(model.contextLength)].filter(Boolean).join(" · ");
}

export function ModelPicker({ models, value, loading, reachable, onChange }: ModelPickerProps) {
  const selectId = useId();
  const listed = models.some((model) => model.name === value);
  return (
    <div className="model-picker">
      <label htmlFor={selectId}>Model</label>
      <select id={selectId} value={value ?? ""} onChange={(event) => onChange(event.target.value)} disabled={value === null}>
        {value === null && <option value="">{loading ? "Loading models…" : "No models"}</option>}
        {/* A chat may name a model since removed from Ollama: show it rather than pretend. */}
        {value !== null && !listed && <option value={value}>{loading || !reachable ? value : `${value} (not installed)`}</option>}
        {models.map((model) => (
          <option key={model.name} value={model.name}>
            {describeModel(model)}
          </option>
        ))}
      </select>
    </div>
  );
}
