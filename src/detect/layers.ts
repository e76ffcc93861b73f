// Commands behind a layer. A device runs what an alias stands for (`alias exec cap monitor capture CAP start`, then
// `cap`), and an EEM applet runs the command it built in a variable (`action 1.0 set cmd "monitor capture …"`, then
// `action 2.0 cli command "$cmd"`). The logs show the name typed; rules must see the command run. The definitions
// are learned per device into the mirror state (so they survive a restart with its snapshot) and resolved here.
import type { MirrorState } from './state.js';

/** IOS `alias MODE NAME TEXT` and its removal `no alias MODE NAME`. */
const IOS_ALIAS = /^(no )?alias (\S{1,64}) (\S{1,64})(?: (.+))?$/i;
/** NX-OS `cli alias name NAME TEXT`: one alias for every mode. */
const NXOS_ALIAS = /^(no )?cli alias name (\S{1,64})(?: (.+))?$/i;
/** `action LABEL set|append VAR VALUE` inside an applet. */
const EEM_SET = /^action \S{1,32} (set|append) (\S{1,64}) (.+)$/i;
/** `event manager applet NAME …`, the mode the applet's actions are typed in. */
const APPLET = /^event manager applet (\S{1,128})/i;
const NO_APPLET = /^no event manager applet (\S{1,128})/i;
/** `$var` or `${var}`; EEM's own `$_cli_msg`-style variables are never set by an applet, so they stay. */
const VARIABLE = /\$(?:\{(\w{1,64})\}|(\w{1,64}))/g;

/** First letters of the lines learned from: `alias`, `action`, `cli alias`, `no …` (either case). */
const LAYER_INITIALS: ReadonlySet<number> = new Set([97, 65, 99, 67, 110, 78]);
/** The modes an alias is looked up in, by the operator's mode. */
const EXEC_MODES = ['exec', 'any'] as const;
const CONFIG_MODES = ['configure', 'any'] as const;

/** The value as the device reads it: surrounding double quotes removed. */
function unquote(text: string): string {
  return text.length > 1 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

export class CommandLayers {
  constructor(private readonly state: MirrorState) {}

  /**
   * The command an alias stands for, with the words typed after the alias name appended, or undefined when the first
   * word is no alias of this device in this mode. `inConfig` says whether the operator is in configuration mode.
   */
  alias(address: string, command: string, inConfig: boolean): string | undefined {
    if (!this.state.hasAliases(address)) return undefined;
    const space = command.indexOf(' ');
    const name = space < 0 ? command : command.slice(0, space);
    for (const mode of inConfig ? CONFIG_MODES : EXEC_MODES) {
      const a = this.state.alias(address, mode, name);
      if (a) return space < 0 ? a.command : `${a.command}${command.slice(space)}`;
    }
    return undefined;
  }

  /**
   * Learns what a configuration line defines (an alias, an applet variable) and resolves the applet variables an
   * EEM action uses. `context` is the mode path the line was typed in. Returns the command the action runs when a
   * variable was substituted.
   */
  learn(address: string, command: string, context: readonly string[], time: Date): string | undefined {
    // Every configuration line passes here: most leave at this one comparison.
    if (!LAYER_INITIALS.has(command.charCodeAt(0))) return undefined;
    if (this.learnAlias(address, command, time)) return undefined;
    const gone = NO_APPLET.exec(command);
    if (gone) {
      this.state.forgetApplet(address, gone[1]!, time);
      return undefined;
    }
    const applet = context.length > 0 ? APPLET.exec(context[0]!)?.[1] : undefined;
    if (applet === undefined) return undefined;
    const set = EEM_SET.exec(command);
    if (set) {
      this.state.setEemVariable(address, applet, set[2]!, unquote(set[3]!), set[1]!.toLowerCase() === 'append', time);
      return undefined;
    }
    return command.includes('$') ? this.substitute(address, applet, command) : undefined;
  }

  /** The action with the applet's known variables put in, or undefined when none of its `$…` is known. */
  private substitute(address: string, applet: string, command: string): string | undefined {
    let substituted = false;
    const out = command.replace(VARIABLE, (whole, braced: string | undefined, bare: string | undefined) => {
      const value = this.state.eemVariable(address, applet, (braced ?? bare)!);
      if (value === undefined) return whole;
      substituted = true;
      return value;
    });
    return substituted ? out : undefined;
  }

  private learnAlias(address: string, command: string, time: Date): boolean {
    const ios = IOS_ALIAS.exec(command);
    if (ios) {
      const remove = ios[1] !== undefined;
      if (!remove && ios[4] === undefined) return false;
      this.state.setAlias(address, ios[2]!.toLowerCase(), ios[3]!, remove ? undefined : unquote(ios[4]!), time);
      return true;
    }
    const nxos = NXOS_ALIAS.exec(command);
    if (nxos) {
      const remove = nxos[1] !== undefined;
      if (!remove && nxos[3] === undefined) return false;
      this.state.setAlias(address, 'any', nxos[2]!, remove ? undefined : unquote(nxos[3]!), time);
      return true;
    }
    return false;
  }
}

