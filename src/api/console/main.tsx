// Entry point: the stylesheet (bundled into app.css) and the app mounted on #app.
import { render } from 'preact';
import { App } from './app';
import './style.css';

render(<App />, document.getElementById('app')!);
