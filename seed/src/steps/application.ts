/**
 * The app's Traditional web application (Auth.js, client_secret_basic). Found again by the
 * `customData.managedBy` marker; owned: the two redirect URI lists. Its name and description are
 * set at creation only, so an operator may rename it in the console.
 */
import { z } from 'zod4';

import type { CreateApplication, OidcClientMetadata } from '@logto/schemas';

import {
  appCallbackPath,
  appDescription,
  appName,
  appPostLogoutPath,
  applicationTypes,
  managedByKey,
  managedByValue,
} from '../constant.js';
import { type StepContext, listNames } from '../context.js';
import type { StepResult } from '../log.js';
import { type ApplicationState, applicationGuard } from '../types.js';

export type DesiredApplication = { redirectUris: string[]; postLogoutRedirectUris: string[] };

export const desiredApplication = (appUrl: string): DesiredApplication => ({
  redirectUris: [`${appUrl}${appCallbackPath}`],
  postLogoutRedirectUris: [`${appUrl}${appPostLogoutPath}`],
});

/** `POST /api/applications` body (enums as their string values). */
type CreateBody = Pick<CreateApplication, 'name' | 'description' | 'customData'> & {
  type: typeof applicationTypes.traditional;
  oidcClientMetadata: Pick<OidcClientMetadata, 'redirectUris' | 'postLogoutRedirectUris'>;
};

export type ApplicationPlan =
  | { action: 'create'; body: CreateBody }
  | {
      action: 'update';
      id: string;
      fields: Array<keyof DesiredApplication>;
      body: { oidcClientMetadata: Record<string, unknown> };
      duplicates: string[];
    }
  | { action: 'unchanged'; id: string; duplicates: string[] };

const isManaged = ({ customData }: ApplicationState) => customData[managedByKey] === managedByValue;

const sameList = (left: readonly string[], right: readonly string[]) =>
  left.length === right.length && left.every((value, index) => value === right[index]);

/** Pure: desired URIs vs. the Traditional applications Logto has. The oldest marked one wins. */
export const planApplication = (
  applications: readonly ApplicationState[],
  desired: DesiredApplication
): ApplicationPlan => {
  const managed = applications
    .filter((application) => application.type === applicationTypes.traditional && isManaged(application))
    .toSorted((left, right) => left.createdAt - right.createdAt || left.id.localeCompare(right.id));
  const [current, ...others] = managed;

  if (!current) {
    return {
      action: 'create',
      body: {
        name: appName,
        type: applicationTypes.traditional,
        description: appDescription,
        oidcClientMetadata: desired,
        customData: { [managedByKey]: managedByValue },
      },
    };
  }

  const duplicates = others.map(({ id }) => id);
  const fields = (['redirectUris', 'postLogoutRedirectUris'] as const).filter(
    (key) => !sameList(current.oidcClientMetadata[key], desired[key])
  );
  if (fields.length === 0) {
    return { action: 'unchanged', id: current.id, duplicates };
  }
  return {
    action: 'update',
    id: current.id,
    fields,
    // PATCH replaces the JSON column whole: keep the other metadata (logoUri, backchannel...).
    body: { oidcClientMetadata: { ...current.oidcClientMetadata, ...desired } },
    duplicates,
  };
};

export const reconcileApplication = async (context: StepContext): Promise<StepResult> => {
  const { api, config, dryRun, state } = context;
  const applications = await api.request('app', 'GET', '/api/applications', {
    query: { types: applicationTypes.traditional },
    guard: z.array(applicationGuard),
  });
  const desired = desiredApplication(config.appUrl);
  const plan = planApplication(applications, desired);
  const warning =
    plan.action !== 'create' && plan.duplicates.length > 0
      ? `other applications carry the seed's marker and are left alone: ${plan.duplicates.join(', ')} (delete them in the console)`
      : undefined;

  switch (plan.action) {
    case 'create': {
      if (dryRun) {
        return { outcome: 'created', detail: `Traditional app "${appName}" for ${config.appUrl}` };
      }
      const created = await api.request('app', 'POST', '/api/applications', {
        body: plan.body,
        guard: applicationGuard,
      });
      state.appId = created.id;
      return {
        outcome: 'created',
        detail: `Traditional app ${created.id} "${appName}", redirect ${desired.redirectUris.join(' ')}`,
      };
    }
    case 'update': {
      state.appId = plan.id;
      if (!dryRun) {
        await api.request('app', 'PATCH', `/api/applications/${encodeURIComponent(plan.id)}`, {
          body: plan.body,
          guard: applicationGuard,
        });
      }
      return {
        outcome: 'updated',
        detail: `Traditional app ${plan.id}: ${listNames(plan.fields)} -> ${config.appUrl}`,
        ...(warning ? { warning } : {}),
      };
    }
    case 'unchanged': {
      state.appId = plan.id;
      return {
        outcome: 'unchanged',
        detail: `Traditional app ${plan.id}, redirect ${desired.redirectUris.join(' ')}`,
        ...(warning ? { warning } : {}),
      };
    }
  }
};
