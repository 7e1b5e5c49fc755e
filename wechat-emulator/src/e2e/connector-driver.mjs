// Runs one WeChat connector package as Logto does, one call per process:
//   node --require tests/harness/dns-preload.cjs connector-driver.mjs <package> authorization-uri|user-info '<json payload>'
// <package>: @logto/connector-wechat-web (npm) or @wechat-logto-stack/connector-wechat (connectors/wechat, built lib/).
// authorization-uri prints {"ok":true,"result":{"uri","session"}} (session: what the connector passed to
// setSession); user-info takes that session back in the payload, as Logto hands it to getUserInfo.
// Errors: {"ok":false,"error":{"name","code","message","data"}}. Started by connector-runner.ts.
const [packageName, command, payloadJson = "{}"] = process.argv.slice(2);
const payload = JSON.parse(payloadJson);

const { default: createConnector } = await import(packageName);
const connector = await createConnector({ getConfig: async () => payload.config });

const run = async () => {
  switch (command) {
    case "authorization-uri": {
      let session;
      const uri = await connector.getAuthorizationUri(
        {
          state: payload.state,
          redirectUri: payload.redirectUri,
          connectorId: "wechat",
          connectorFactoryId: connector.metadata.id,
          jti: "e2e",
          headers: payload.userAgent ? { userAgent: payload.userAgent } : {},
        },
        async (value) => {
          session = value;
        }
      );
      return { uri, session };
    }
    case "user-info": {
      const { id, name, avatar } = await connector.getUserInfo({ code: payload.code }, async () => payload.session ?? {});
      return { id, name, avatar };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
};

try {
  const result = await run();
  process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: { name: error?.name, code: error?.code, message: error?.message, data: error?.data } })}\n`
  );
}
