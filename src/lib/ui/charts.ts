import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

/**
 * Chart.js with only the parts the dashboard draws (bars and lines on
 * category/linear axes), registered once. Imported dynamically by
 * ChartFigure, so the library loads with the dashboard route only and
 * never with the rest of the app.
 */
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

export { Chart };
