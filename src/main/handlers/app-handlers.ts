import type { AppInvoke } from '../../shared/channels/app'
import type { AppInfo } from '../../shared/types'
import type { Services } from '../app'
import type { HandlersOf } from '../transport/dispatcher'

export function appHandlers({ ops, settings }: Services, info: AppInfo): HandlersOf<AppInvoke> {
  return {
    'app:info': () => info,
    'ops:list': () => ops.list(),
    'op:cancel': (opId) => ops.cancel(opId),
    'ops:get': (opId) => ops.get(opId),
    'ops:log': (opId, filter) => ops.logLines(opId, filter),
    'settings:get': () => settings.get(),
    'settings:set': (patch) => settings.set(patch),
  }
}
