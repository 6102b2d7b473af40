/**
 * `durable-agent/testing`: the scripted model, an Anthropic-compatible server on loopback that plays scenario files,
 * for tests of an application's agents against a real Temporal server without the Anthropic API.
 */
export {
  startScriptedModelServer,
  RUN_HEADER,
  SCENARIO_HEADER,
  type RecordedRequest,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from './scripted-model/server';
export { loadScenario, scenarioSchema, type LoadedScenario, type Scenario, type Turn, type TurnExpect } from './scripted-model/scenario';
export { SEARCH_ATTRIBUTE_KEYS } from './common/search-attributes';
