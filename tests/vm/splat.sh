#!/bin/bash
# Print kernel-log lines that are real reports (not the informational lines debug kernels print)
# from the log files given; exit 1 if there is any. Used on the guest's dmesg and console.
pat='BUG:|WARNING:|KASAN:|UBSAN:|possible circular locking|possible recursive locking|suspicious RCU usage|unreferenced object|Oops|general protection fault|list_add corruption|list_del corruption|sleeping function called|INFO: rcu_.*stall|INFO: task .* blocked|Kernel panic|inconsistent lock state|kernel BUG|refcount_t:|unregister_netdevice: waiting'
if grep -E -h "$pat" "$@"; then
	exit 1
fi
exit 0
