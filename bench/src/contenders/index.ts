/** Builds contenders by id. */
import { AiSdkAgent } from './ai-sdk/contender';
import { BareTemporal } from './bare-temporal/contender';
import { DurableAgent } from './durable-agent/contender';
import { LangGraphAgent } from './langgraph';
import { PlainLoop } from './plain-loop';
import type { BenchEnv, Contender, ContenderId } from './types';

export function createContender(id: ContenderId, env: BenchEnv): Contender {
  switch (id) {
    case 'a':
      return new PlainLoop(env);
    case 'b':
      return new BareTemporal(env);
    case 'c':
      return new DurableAgent(env);
    case 'd':
      return new AiSdkAgent(env);
    case 'e':
      return new LangGraphAgent(env);
  }
}
