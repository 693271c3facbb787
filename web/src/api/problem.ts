/** A refused request: the server's problem body (`application/problem+json`). */
export interface FieldError {
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];

  constructor(status: number, code: string, message: string, errors: FieldError[] = []) {
    super(message);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  /** The message for one field, to show beside its input. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }

  static async from(response: Response): Promise<ApiProblem> {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    const b = (body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown; errors?: unknown };
    const errors = Array.isArray(b.errors)
      ? b.errors.filter(
          (e): e is FieldError =>
            typeof e === 'object' && e !== null && typeof (e as FieldError).field === 'string',
        )
      : [];
    const detail =
      typeof b.detail === 'string' ? b.detail : typeof b.title === 'string' ? b.title : response.statusText;
    return new ApiProblem(
      response.status,
      typeof b.code === 'string' ? b.code : `http_${response.status}`,
      detail || `HTTP ${response.status}`,
      errors,
    );
  }
}
