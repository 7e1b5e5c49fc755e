// Runs this repository's connector (connectors/wechat, built lib/) as Logto does, one call per process:
//   node --require tests/harness/dns-preload.cjs stack-connector-driver.mjs authorization-uri|user-info '<json payload>'
// authorization-uri prints {"ok":true,"result":{"uri","session"}} (session: what it passed to setSession);
// user-info takes the session back in the payload, as Logto hands it to getUserInfo.
// Errors: {"ok":false,"error":{"name","code","message","data"}}.
import createConnector from "@wechat-logto-stack/connector-wechat";

const [command, payloadJson = "{}"] = process.argv.slice(2);
const payload = JSON.parse(payloadJson);

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
          connectorFactoryId: "wechat-web-oa",
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
      const { id, name, avatar } = await connector.getUserInfo({ code: payload.code }, async () => payload.session);
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
