/**
 * A time sync daemon running and enabled, and the clock synchronized: certificates, tokens and
 * etcd's leases all compare clocks across nodes. The daemon is the one each OS ships: Debian, Ubuntu
 * and Raspberry Pi OS use systemd-timesyncd (installed when missing), MicroOS uses chrony (part of
 * the image; installing it would need a transactional-update and a reboot, so its absence is an
 * error that says so). A host that already runs another daemon (chrony on a Debian cloud image,
 * ntpsec) is left alone: the check accepts any of them.
 *
 * "Synchronized" is the kernel's flag as timedatectl reports it (NTPSynchronized), set by whichever
 * daemon disciplines the clock. The offset against this computer's clock is the validator's
 * business (facts.clockOffsetMs, issue 12 §2); this step makes the host keep time on its own.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction } from '../step'
import { check, isDebianLike, isKnownFamily, isMicroOs, joinLines, run } from './common'

/** Daemons that count as keeping time, by unit name (chrony's Debian unit is chrony.service). */
export const TIME_DAEMONS = ['systemd-timesyncd', 'chronyd', 'chrony', 'ntpsec', 'ntp', 'openntpd'] as const
/** How long the action waits for the first synchronization. */
export const SYNC_WAIT_SECONDS = 120

const SYNCED = sh`[ "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)" = yes ]`

export const timeSyncRecipe: Recipe = {
  name: 'time-sync',
  kind: 'prepare',
  steps(ctx) {
    const { facts } = ctx
    if (!isKnownFamily(facts)) return []
    const daemon = isMicroOs(facts) ? 'chronyd' : 'systemd-timesyncd'
    const actions: StepAction[] = []
    if (isDebianLike(facts)) {
      actions.push(
        run(
          sh`if ! dpkg-query -W -f ${'${Status}'} systemd-timesyncd 2>/dev/null | grep -q 'ok installed'; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd-timesyncd; fi`,
        ),
      )
    } else {
      actions.push(
        run(
          sh`if [ ! -e /usr/lib/systemd/system/chronyd.service ]; then echo "chrony is not installed: install it with 'transactional-update pkg install chrony' and reboot" >&2; exit 1; fi`,
        ),
      )
    }
    actions.push(
      run(sh`systemctl enable --now ${`${daemon}.service`}`),
      run(
        sh`timeout ${SYNC_WAIT_SECONDS} sh -c ${`until ${SYNCED.text}; do sleep 1; done`} || { echo ${`the clock did not synchronize within ${SYNC_WAIT_SECONDS} s: can this host reach an NTP server?`} >&2; exit 1; }`,
      ),
    )
    return [
      {
        id: stepId(ctx, 'time-sync'),
        hostId: ctx.host.id,
        kind: 'prepare',
        title: `Keep the clock synchronized (${daemon})`,
        deps: [],
        actions,
        check: check(
          joinLines([
            sh`daemon=`,
            sh`for unit in ${[...TIME_DAEMONS]}; do if systemctl is-active -q "$unit.service" 2>/dev/null && systemctl is-enabled -q "$unit.service" 2>/dev/null; then daemon=$unit; break; fi; done`,
            sh`if [ -z "$daemon" ]; then echo ${`no time sync daemon is running and enabled (${daemon} will be)`}; exit 1; fi`,
            sh`if ! ${SYNCED}; then echo "$daemon runs, but the clock is not synchronized yet"; exit 1; fi`,
            sh`echo "$daemon keeps the clock synchronized"`,
          ]),
        ),
      },
    ]
  },
}
