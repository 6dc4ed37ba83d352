/*
 * Optional ipmi_sim plug-in: answers DCMI "Get Power Reading" (NetFn 0x2C, group
 * extension 0xDC, command 0x02), so `ipmitool dcmi power reading` and
 * `ipmi-dcmi --get-system-power-statistics` return numbers instead of "Invalid command".
 *
 * Console commands it adds:
 *   dcmi_power WATTS [MIN [MAX [AVG]]]   set the reading (missing values copy WATTS)
 *   dcmi_state 0|1                       power measurement inactive / active
 *
 * Built by `fleet.sh build` when gcc and the libopenipmi-dev headers are present;
 * loaded with `loadlib "<home>/build/dcmi-power.so" "<initial watts>"` in lan.conf.
 * The reading is per process, and every simulated BMC is its own ipmi_sim process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <OpenIPMI/lanserv.h>
#include <OpenIPMI/mcserv.h>

#define DCMI_GROUP_EXTENSION 0xDC
#define DCMI_CMD_GET_POWER_READING 0x02
#define CC_INVALID_COMMAND 0xC1
#define CC_BAD_LENGTH 0xC7

static struct {
    unsigned int now, min, max, avg;
    unsigned int active;
} reading = { 280, 250, 310, 280, 1 };

static void le16(unsigned char *p, unsigned int v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
}

static void le32(unsigned char *p, unsigned int v)
{
    le16(p, v & 0xffff);
    le16(p + 2, (v >> 16) & 0xffff);
}

static void on_dcmi(lmc_data_t *mc, msg_t *msg, unsigned char *rsp,
                    unsigned int *rsp_len, void *cb_data)
{
    (void) mc;
    (void) cb_data;
    if (msg->cmd != DCMI_CMD_GET_POWER_READING) {
        rsp[0] = CC_INVALID_COMMAND;
        *rsp_len = 1;
        return;
    }
    /* group extension, mode, mode attributes, reserved */
    if (msg->len < 4) {
        rsp[0] = CC_BAD_LENGTH;
        *rsp_len = 1;
        return;
    }
    rsp[0] = 0x00;
    rsp[1] = DCMI_GROUP_EXTENSION;
    le16(rsp + 2, reading.now);
    le16(rsp + 4, reading.min);
    le16(rsp + 6, reading.max);
    le16(rsp + 8, reading.avg);
    le32(rsp + 10, (unsigned int) time(NULL));
    le32(rsp + 14, 1000);               /* statistics reporting period, ms */
    rsp[18] = reading.active ? 0x40 : 0x00; /* bit 6: power measurement active */
    *rsp_len = 19;
}

static int console_dcmi_power(emu_out_t *out, emu_data_t *emu, lmc_data_t *mc, char **toks)
{
    unsigned int v[4];
    const char *err;
    int n;

    (void) emu;
    (void) mc;
    if (get_uint(toks, &v[0], &err)) {
        out->eprintf(out, "**usage: dcmi_power WATTS [MIN [MAX [AVG]]]: %s\n", err);
        return EINVAL;
    }
    for (n = 1; n < 4; n++)
        if (get_uint(toks, &v[n], &err))
            break;
    for (; n < 4; n++)
        v[n] = v[0];
    reading.now = v[0];
    reading.min = v[1];
    reading.max = v[2];
    reading.avg = v[3];
    out->eprintf(out, "dcmi power %u min %u max %u avg %u\n", v[0], v[1], v[2], v[3]);
    return 0;
}

static int console_dcmi_state(emu_out_t *out, emu_data_t *emu, lmc_data_t *mc, char **toks)
{
    unsigned int active;
    const char *err;

    (void) emu;
    (void) mc;
    if (get_uint(toks, &active, &err) || active > 1) {
        out->eprintf(out, "**usage: dcmi_state 0|1\n");
        return EINVAL;
    }
    reading.active = active;
    return 0;
}

int ipmi_sim_module_print_version(sys_data_t *sys, char *initstr)
{
    (void) sys;
    (void) initstr;
    printf("IPMI Monitor test fleet: DCMI power reading plug-in 1.0\n");
    return 0;
}

int ipmi_sim_module_init(sys_data_t *sys, const char *initstr)
{
    (void) sys;
    if (initstr && *initstr) {
        unsigned long w = strtoul(initstr, NULL, 0);
        reading.now = reading.min = reading.max = reading.avg = (unsigned int) w;
    }
    ipmi_emu_register_group_extension_handler(DCMI_GROUP_EXTENSION, on_dcmi, NULL);
    ipmi_emu_add_cmd("dcmi_power", NOMC, console_dcmi_power);
    ipmi_emu_add_cmd("dcmi_state", NOMC, console_dcmi_state);
    return 0;
}
