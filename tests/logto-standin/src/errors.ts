/**
 * Logto's API error shape: `{ code, message, data?, details? }` with Logto's status codes.
 * Messages are Logto's English phrases (packages/phrases/src/locales/en/errors/*), interpolated
 * the same way; only the codes the stand-in can raise are listed.
 */
type ZodError = {
  issues: Array<{ path: Array<string | number>; code: string; message: string; expected?: unknown; received?: unknown }>;
};

const phrases: Record<string, string> = {
  "auth.authorization_header_missing": "Authorization header is missing.",
  "auth.authorization_token_type_not_supported": "Authorization type is not supported.",
  "auth.unauthorized": "Unauthorized. Please check credentials and its scope.",
  "auth.forbidden": "Forbidden. Please check your user roles and permissions.",
  "auth.jwt_sub_missing": "Missing `sub` in JWT.",
  "guard.invalid_input": "The request {{type}} is invalid.",
  "guard.invalid_pagination": "The request pagination value is invalid.",
  "entity.not_exists_with_id": "The {{name}} with ID `{{id}}` does not exist.",
  "entity.not_found": "The resource does not exist.",
  "entity.unique_integrity_violation": "The entity already exists.",
  "request.invalid_input": "Input is invalid. {{details}}",
  "connector.not_found": "Cannot find any available connector for type: {{type}}.",
  "connector.not_found_with_connector_id": "Can not find connector with given standard connector id.",
  "connector.multiple_instances_not_supported":
    "Can not create multiple instance with picked standard connector.",
  "connector.multiple_target_with_same_platform":
    "You can not have multiple social connectors that have same target and platform.",
  "connector.cannot_overwrite_metadata_for_non_standard_connector":
    "This connector's 'metadata' cannot be overwritten.",
  "connector.invalid_config": "The connector's config is invalid.",
  "connector.invalid_config_guard": "The connector's config guard is invalid.",
  "connector.invalid_response": "The connector's response is invalid.",
  "connector.general": "Error occurred in connector: {{errorDescription}}",
  "connector.social_auth_code_invalid": "Unable to get access token, please check authorization code.",
  "connector.social_invalid_access_token": "The connector's access token is invalid.",
  "connector.social_invalid_id_token": "The connector's id token is invalid.",
  "connector.authorization_failed": "The user's authorization process is unsuccessful.",
  "connector.invalid_request_parameters": "The request is with wrong input parameter(s).",
  "connector.insufficient_request_parameters": "The request might miss some input parameters.",
  "session.not_found": "Session not found. Please go back and sign in again.",
  "session.verification_session_not_found":
    "The passwordless verification session not found. Please go back and retry.",
  "session.invalid_credentials": "Incorrect account or password. Please check your input.",
  "session.verification_failed": "The verification was not successful. Restart the verification flow and try again.",
  "user.identity_not_exist": "The social account has not been registered yet.",
  "user.username_already_in_use": "This username is already in use.",
  "user.invalid_username": "Invalid username.",
  "user.sign_up_method_not_enabled": "This sign-up method is not enabled.",
  "user.sign_in_method_not_enabled": "This sign-in method is not enabled.",
  "user.suspended": "This account is suspended.",
  "user.missing_profile": "You need to provide additional info before signing-in.",
  "application.invalid_type": "Only machine to machine applications can have associated roles.",
  "password.unsupported_encryption_method": "The encryption method {{name}} is not supported.",
};

export const interpolate = (template: string, values: Record<string, unknown>) =>
  template.replace(/{{\s*(\w+)\s*}}/g, (_, key: string) => {
    const value = values[key];
    return value === undefined ? "" : String(value);
  });

export class RequestError extends Error {
  code: string;
  status: number;
  data: unknown;
  details?: string;

  constructor(
    input: string | ({ code: string; status?: number } & Record<string, unknown>),
    data?: unknown,
  ) {
    const { code, status = 400, ...interpolation } = typeof input === "string" ? { code: input } : input;
    super(interpolate(phrases[code] ?? code, interpolation));
    this.name = "RequestError";
    this.code = code;
    this.status = status;
    this.data = data;
    if (isZodError(data)) {
      this.details = data.issues
        .map((issue) => {
          const base = `Error in key path "${issue.path.map(String).join(".")}": (${issue.code}) `;
          return issue.code === "invalid_type"
            ? `${base}Expected ${issue.expected} but received ${issue.received}.`
            : base + issue.message;
        })
        .join("\n");
    }
  }

  toBody() {
    return {
      code: this.code,
      message: this.message,
      ...(this.data === undefined ? {} : { data: this.data }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

const isZodError = (value: unknown): value is ZodError =>
  typeof value === "object" && value !== null && "issues" in value && Array.isArray((value as ZodError).issues);

export const assertThat: (condition: unknown, error: RequestError | string) => asserts condition = (
  condition,
  error,
) => {
  if (!condition) throw typeof error === "string" ? new RequestError(error) : error;
};
