// SPDX-License-Identifier: GPL-2.0
/*
 * dmk_p2m: an x86 PV guest's pfn -> mfn table, read-only, for user space.
 *
 * A PV guest's kernel keeps its p2m (arch/x86/xen/p2m.c); user space
 * sees pseudo-physical frames only (/proc/self/pagemap), and hypercalls
 * such as decrease_reservation, XENMEM_exchange and GNTTABOP_cache_flush
 * name machine frames.  This device lets dmakit's privcmd platform
 * (platform/privcmd) and tools/xen-conformance learn the machine frame
 * of a page they hold: read(2) at offset pfn * 8 gives the 64-bit mfn
 * of each pfn in turn (INVALID_P2M_ENTRY, ~0, for a hole).  Nothing can
 * be written.  A translated guest (ARM, x86 HVM) has no p2m of its own
 * to read: the device answers pfn == mfn there, which is what its gfns
 * are to itself.
 *
 * It is the smallest kernel module that does this, built against
 * Debian's linux-headers-6.1.0-50-amd64 by `make real-xen`; a later
 * module does the whole platform in the kernel.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <xen/xen.h>
#include <asm/xen/page.h>

/* One read returns at most this many entries. */
#define DMK_P2M_BATCH 4096

static ssize_t dmk_p2m_read(struct file *file, char __user *buf, size_t len,
			    loff_t *pos)
{
	size_t done = 0;

	if (*pos < 0 || (*pos & 7) || (len & 7))
		return -EINVAL;
	if (len > DMK_P2M_BATCH * 8)
		len = DMK_P2M_BATCH * 8;
	while (done < len) {
		unsigned long pfn = (unsigned long)((*pos + done) >> 3);
		u64 mfn = xen_pv_domain() ? pfn_to_mfn(pfn) : pfn;

		if (copy_to_user(buf + done, &mfn, sizeof(mfn)))
			return done ? (ssize_t)done : -EFAULT;
		done += sizeof(mfn);
	}
	*pos += done;
	return done;
}

static const struct file_operations dmk_p2m_fops = {
	.owner = THIS_MODULE,
	.read = dmk_p2m_read,
	.llseek = default_llseek,
};

static struct miscdevice dmk_p2m_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmk_p2m",
	.fops = &dmk_p2m_fops,
	.mode = 0400,
};

static int __init dmk_p2m_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	return misc_register(&dmk_p2m_dev);
}

static void __exit dmk_p2m_exit(void)
{
	misc_deregister(&dmk_p2m_dev);
}

module_init(dmk_p2m_init);
module_exit(dmk_p2m_exit);
MODULE_DESCRIPTION("dmakit: a Xen PV guest's pfn -> mfn table for user space");
MODULE_LICENSE("GPL");
