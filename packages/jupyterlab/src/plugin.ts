/**
 * The application plugins: the reports side panel, and a "New Whittle
 * notebook" command in the command palette.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReportsPanel } from './panel.js';

/** The kernelspec name `whittle-kernel install` writes. */
export const WHITTLE_KERNEL = 'whittle';
export const NEW_NOTEBOOK_COMMAND = 'whittle:new-notebook';
export const SHOW_REPORTS_COMMAND = 'whittle:show-reports';

export const whittleIcon = new LabIcon({
  name: 'whittle:icon',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M4 20h3V10H4zm6.5 0h3V4h-3zM17 20h3v-7h-3z"/></g></svg>',
});

const reportsPanel: JupyterFrontEndPlugin<void> = {
  id: '@whittle/jupyterlab:reports-panel',
  description: 'Collects the Whittle reports of the current notebook into a side panel.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    const panel = new ReportsPanel();
    panel.title.icon = whittleIcon;
    app.shell.add(panel, 'right', { rank: 900 });
    app.commands.addCommand(SHOW_REPORTS_COMMAND, {
      label: 'Show the Whittle reports of this notebook',
      icon: whittleIcon,
      execute: () => app.shell.activateById(panel.id),
    });
    palette?.addItem({ command: SHOW_REPORTS_COMMAND, category: 'Whittle' });

    // Outputs arrive through several paths (execution, live display updates, opening a
    // saved notebook), so any of them schedules one debounced re-scan of the current notebook.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!panel.isVisible) return;
        const current: NotebookPanel | null = tracker.currentWidget;
        void panel.display(current?.content.model ?? null, current ? current.context.path : null);
      }, 250);
    };
    let watched: NotebookPanel | null = null;
    tracker.currentChanged.connect((_, current) => {
      watched?.context.model.contentChanged.disconnect(refresh);
      watched?.sessionContext.iopubMessage.disconnect(refresh);
      watched = current;
      current?.context.model.contentChanged.connect(refresh);
      current?.sessionContext.iopubMessage.connect(refresh);
      void current?.context.ready.then(refresh);
      refresh();
    });
    NotebookActions.executed.connect(refresh);
    // Scanning is skipped while the panel is hidden; catch up when it is opened.
    panel.onShown = refresh;
  },
};

/**
 * "New Whittle notebook" in the command palette. Not in the launcher: the kernelspec already
 * puts its own "TypeScript (Whittle)" card there, and two entries for one thing confuse a class.
 */
const newNotebook: JupyterFrontEndPlugin<void> = {
  id: '@whittle/jupyterlab:new-notebook',
  description: 'Adds "New Whittle notebook" to the command palette.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    app.commands.addCommand(NEW_NOTEBOOK_COMMAND, {
      label: 'New Whittle notebook',
      caption: 'A TypeScript notebook on the Whittle kernel, with %prune, %quantize and friends',
      icon: whittleIcon,
      execute: () => app.commands.execute('notebook:create-new', { kernelName: WHITTLE_KERNEL }),
    });
    palette?.addItem({ command: NEW_NOTEBOOK_COMMAND, category: 'Whittle' });
  },
};

export default [reportsPanel, newNotebook];
