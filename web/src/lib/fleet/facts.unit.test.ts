import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertsText, powerText } from './facts';

describe('tile facts', () => {
  it('says the power state and watts when known', () => {
    assert.equal(powerText({ powerState: 'ON', powerWatts: 272 }), 'On · 272 W');
    assert.equal(powerText({ powerState: 'OFF', powerWatts: null }), 'Off');
    assert.equal(powerText({ powerState: null, powerWatts: 1234.4 }), '1,234 W');
    assert.equal(powerText({ powerState: null, powerWatts: null }), null);
    assert.equal(powerText({ powerState: 'UNKNOWN', powerWatts: null }), null);
  });
  it('counts active alerts, nothing when there are none', () => {
    assert.equal(alertsText({ criticalAlerts: 2, warningAlerts: 1 }), '2 critical, 1 warning');
    assert.equal(alertsText({ criticalAlerts: 0, warningAlerts: 3 }), '3 warning');
    assert.equal(alertsText({ criticalAlerts: 0, warningAlerts: 0 }), null);
  });
});
