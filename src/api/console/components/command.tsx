// A command with the configuration mode it was typed in: what turns `ip address 198.51.100.7` into an ERSPAN
// export. Block form for detail pages (context indented above), one line for table rows.
import { Clip, Text } from '../text';

export function CommandBlock({ command, context }: { command: string; context: string[] }) {
  return (
    <div class="cmd-block">
      {context.map((line, i) => (
        <div class="cmd-ctx" style={{ paddingLeft: `${i * 1.5}em` }}>
          <Text value={line} />
        </div>
      ))}
      <div class="cmd-line" style={{ paddingLeft: `${context.length * 1.5}em` }}>
        <Text value={command} />
      </div>
    </div>
  );
}

export function CommandInline({ command, context }: { command: string; context: string[] }) {
  return (
    <span class="cmd-inline">
      {context.map((line) => (
        <>
          <span class="ctx"><Clip value={line} max={80} /></span>
          <span class="sep"> › </span>
        </>
      ))}
      <span class="cmd"><Clip value={command} /></span>
    </span>
  );
}
