/* SPDX-License-Identifier: MIT */
/*
 * Logging: the library's printk.  One formatted line handed to the
 * platform; a platform without a log hook simply stays silent, the
 * library never writes to stdio by itself.
 */
#include "internal.h"

/* Long enough for every message the library emits; longer ones are cut. */
#define DMK_LOG_LINE 512

void dmk_log(const struct dmk_platform *plat, enum dmk_log_level level,
	     const char *fmt, ...)
{
	char line[DMK_LOG_LINE];
	va_list ap;

	if (!plat || !plat->ops || !plat->ops->log)
		return;

	va_start(ap, fmt);
	dmk_env_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	plat->ops->log(plat->ctx, level, line);
}

int dmk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dmk_env_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

const char *dmk_strerror(int err)
{
	static const char *const names[] = {
		[0] = "success",
		[DMK_EINVAL] = "invalid argument",
		[DMK_ENOMEM] = "out of memory, slots or IOVA space",
		[DMK_EIO] = "refused by the device or the hypervisor",
		[DMK_ENODEV] = "no such device or layer",
		[DMK_ENOTSUP] = "not supported on this platform",
		[DMK_ERANGE] = "beyond the device's reach",
	};

	if (err < 0)
		err = -err;
	if (err > DMK_EMAX)
		return "unknown error";
	return names[err];
}
