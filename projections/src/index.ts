export { projectionErrors } from './errors.js';
export {
  projectionFor,
  projectionNamed,
  projectionNames,
  projections,
  type ApplyOptions,
  type Projection,
  type ProjectionName,
} from './projections.js';
export {
  loadOffsets,
  rebuild,
  startProjections,
  writeBatch,
  type ProjectionsHandle,
  type ProjectionsOptions,
  type RebuildOptions,
  type RebuildResult,
} from './runner.js';
export { projectionsConfig, type ProjectionsConfig } from './service/config.js';
export {
  runMigrate,
  runProjectionsProcess,
  runRebuild,
  startDatabaseHost,
  type DatabaseHost,
} from './service/main.js';
