// @logto/connector-wechat-web ships no types; the tests compare against it as a connector factory.
declare module '@logto/connector-wechat-web' {
  import type { CreateConnector, SocialConnector } from '@logto/connector-kit';

  const createConnector: CreateConnector<SocialConnector>;
  export default createConnector;
}
