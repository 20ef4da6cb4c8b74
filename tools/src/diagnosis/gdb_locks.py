# gdb_locks.py: run by gdb (Python 3) on a stuck test process, after "thread apply all bt".
# For each thread it prints what the course tool's summary reads (see diagnosis.hpp):
#   course-thread <gdb number> <kernel thread id>
#   course-waits <thread> <mutex address>                blocked locking this mutex
#   course-holds <thread> <mutex address> <file> <line>  a lock guard declared there holds it
#   course-owner <mutex address> <kernel thread id>      the mutex's owner, as glibc records it
#   course-cv <thread> <condition variable address>      waiting on a condition variable
# It reads the process's memory: which guard variable holds which mutex, and glibc's
# record of each mutex's owner, so that a deadlock can be told as the cycle it is.
import gdb

LOCKING = ("std::mutex::lock", "std::timed_mutex::lock", "std::recursive_mutex::lock",
           "std::recursive_timed_mutex::lock", "std::timed_mutex::try_lock_for",
           "std::timed_mutex::try_lock_until", "std::recursive_timed_mutex::try_lock_for")
GUARDS = ("std::lock_guard<", "std::unique_lock<", "std::scoped_lock<", "std::shared_lock<")

def addresses_in(value, depth=0):
    """The addresses of the mutexes a guard refers to (references or pointers in it)."""
    found = []
    if depth > 10:
        return found
    kind = value.type.strip_typedefs().code
    if kind == gdb.TYPE_CODE_REF:
        found.append(int(value.referenced_value().address))
    elif kind == gdb.TYPE_CODE_PTR:
        if int(value) != 0:
            found.append(int(value))
    elif kind == gdb.TYPE_CODE_STRUCT:
        for field in value.type.strip_typedefs().fields():
            try:
                found += addresses_in(value[field], depth + 1)
            except Exception:
                pass
    return found

def owns(value):
    """A unique_lock or shared_lock that has let go of its mutex holds nothing."""
    try:
        return bool(value["_M_owns"])
    except Exception:
        return True

def own_thread_id(pid, lwp):
    """The thread's id as the process itself sees it: glibc records a mutex's owner by that
    id, which inside a sandbox's pid namespace differs from the host's (the last of NSpid)."""
    try:
        with open("/proc/%d/task/%d/status" % (pid, lwp)) as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        pass
    return lwp

waited = []
for thread in gdb.selected_inferior().threads():
    try:
        thread.switch()
    except Exception:
        continue
    number = thread.num
    print("course-thread %d %d" % (number, own_thread_id(thread.ptid[0], thread.ptid[1])))
    frame = gdb.newest_frame()
    waiting = False
    depth = 0
    while frame is not None and depth < 80:
        name = frame.name() or ""
        try:
            if not waiting and name.startswith(LOCKING):
                mutex = int(frame.read_var("this"))
                print("course-waits %d 0x%x" % (number, mutex))
                waited.append(mutex)
                waiting = True
            elif not waiting and name.startswith("std::condition_variable::wait") and "this" in [s.name for s in frame.block()]:
                print("course-cv %d 0x%x" % (number, int(frame.read_var("this"))))
                waiting = True
        except Exception:
            pass
        try:
            block = frame.block()
            current_line = frame.find_sal().line
        except Exception:
            block = None
        while block is not None:
            for symbol in block:
                try:
                    if not symbol.is_variable or symbol.is_argument:
                        continue
                    type_name = symbol.type.strip_typedefs().name or ""
                    if not type_name.startswith(GUARDS):
                        continue
                    # A guard on this line or below is not made yet (or still locking).
                    if symbol.line >= current_line:
                        continue
                    value = symbol.value(frame)
                    if not owns(value):
                        continue
                    for mutex in addresses_in(value):
                        print("course-holds %d 0x%x %s %d" % (number, mutex, symbol.symtab.fullname(), symbol.line))
                except Exception:
                    pass
            if block.function is not None:
                break
            block = block.superblock
        frame = frame.older()
        depth += 1

for mutex in sorted(set(waited)):
    try:
        # glibc's pthread_mutex_t: the owner's kernel thread id is the third int.
        owner = int(gdb.parse_and_eval("((int*)0x%x)[2]" % mutex))
        print("course-owner 0x%x %d" % (mutex, owner))
    except Exception:
        pass
