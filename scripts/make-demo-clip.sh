#!/usr/bin/env bash
# Builds addon/assets/demo.mp4, the built-in demo clip. Run once; the output is committed,
# so the server never needs ffmpeg to show the demo. With the same ffmpeg, x264, libopus and
# fonts (Debian 12: ffmpeg 5.1.9, x264 core 164) the output is byte-identical (x264 runs on one
# thread for that). If the clip changes, re-cut the fixtures taken from it: see
# test/unit/pkg/mp4/fixtures/README.md and test/unit/pkg/h264/fixtures/README.md.
#
# What the clip must be, and why:
#   - 10 s, 640x360 @ 25 fps, H264 Main, yuv420p, no B-frames (pts == dts, so RTP/WebRTC
#     consumers can send samples in file order), a key frame every 25 frames (1 s GOP, so a
#     late joiner waits at most 1 s). SPS/PPS are in avcC only: with the global header an mp4
#     asks for, x264 does not repeat them in-band, so consumers that need them in the stream
#     (RTSP, Annex B) insert them from avcC before each key frame.
#   - video timescale 90000 so sample ticks are RTP timestamps without rescaling.
#   - Opus 48 kHz mono, 20 ms frames, timescale 48000 (again the RTP clock).
#     The tone steps 440/550/660/770/880 Hz once a second. Frequencies are whole Hz and
#     steps fall on whole seconds, so the wave crosses zero at every step: no click.
#   - exactly 500 Opus packets, so a looper that advances 960 ticks per packet repeats the
#     audio every 480000 ticks = 10 s, in step with the 250 video frames. libopus adds a
#     pre-skip of 312 samples, so the input is cut to 480000 - 312 = 479688 samples; the
#     5 ms fades hide the cut at the loop point. The muxer records the pre-skip as an edit
#     (media_time 312, 9.993 s long), which is why ffprobe shows the first packet at -312 and
#     the last one as 936 ticks; the stts says 960 for all 500.
#   - plain MP4 with moov first (+faststart); the bitexact flags keep ffmpeg's version out of
#     the container (x264 still writes its settings as an SEI in the first frame).
#
# The exact command (kept in one place so the docs and the file agree):
#
#   ffmpeg -y -hide_banner -loglevel error \
#     -f lavfi -i "testsrc2=size=640x360:rate=25:duration=10,drawtext=font=monospace:fontsize=24:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=16:y=h-th-16:text='ts2rtc demo  %{pts\:hms}  frame %{frame_num}'" \
#     -f lavfi -i "aevalsrc=exprs=0.25*sin(2*PI*t*(440+110*mod(floor(t)\,5))):sample_rate=48000:channel_layout=mono:duration=10,atrim=end_sample=479688,afade=t=in:d=0.005,afade=t=out:st=9.9885:d=0.005" \
#     -map 0:v -map 1:a \
#     -c:v libx264 -threads:v 1 -profile:v main -level:v 3.0 -pix_fmt yuv420p -preset medium -crf 32 \
#       -maxrate 320k -bufsize 640k -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
#       -video_track_timescale 90000 \
#     -c:a libopus -b:a 32k -frame_duration 20 -application audio \
#     -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 \
#     -movflags +faststart -f mp4 addon/assets/demo.mp4
#
# If drawtext is missing (ffmpeg built without libfreetype) the clip is made from testsrc2
# alone; it still moves (testsrc2 animates), only the counter is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
out="addon/assets/demo.mp4"
mkdir -p "$(dirname "$out")"

video="testsrc2=size=640x360:rate=25:duration=10"
# Captured first: with pipefail, `grep -q` closing the pipe early would fail the test.
filters="$(ffmpeg -hide_banner -filters 2>/dev/null || true)"
if grep -q ' drawtext ' <<<"$filters"; then
  video="$video,drawtext=font=monospace:fontsize=24:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=16:y=h-th-16:text='ts2rtc demo  %{pts\\:hms}  frame %{frame_num}'"
else
  echo "make-demo-clip: ffmpeg has no drawtext filter; making the clip without the counter" >&2
fi

audio="aevalsrc=exprs=0.25*sin(2*PI*t*(440+110*mod(floor(t)\\,5))):sample_rate=48000:channel_layout=mono:duration=10,atrim=end_sample=479688,afade=t=in:d=0.005,afade=t=out:st=9.9885:d=0.005"

ffmpeg -y -hide_banner -loglevel error \
  -f lavfi -i "$video" \
  -f lavfi -i "$audio" \
  -map 0:v -map 1:a \
  -c:v libx264 -threads:v 1 -profile:v main -level:v 3.0 -pix_fmt yuv420p -preset medium -crf 32 \
    -maxrate 320k -bufsize 640k -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
    -video_track_timescale 90000 \
  -c:a libopus -b:a 32k -frame_duration 20 -application audio \
  -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 \
  -movflags +faststart -f mp4 "$out"

ls -l "$out"
