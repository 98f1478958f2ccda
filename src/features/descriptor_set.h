// The descriptors' constructors, one per source file, gathered by the catalogue (catalogue.cc),
// and what their implementations share. Internal to the features module.
#pragma once

#include <memory>

#include <opencv2/core.hpp>

#include "features/descriptor.h"

namespace vitrine::features {

std::unique_ptr<Descriptor> MakeHtd();
std::unique_ptr<Descriptor> MakeMoments();
std::unique_ptr<Descriptor> MakeHuMoments();
std::unique_ptr<Descriptor> MakePixelIntensityStatistics();
std::unique_ptr<Descriptor> MakeColourHistogram();
std::unique_ptr<Descriptor> MakeOrb();
std::unique_ptr<Descriptor> MakeSift();
std::unique_ptr<Descriptor> MakeBrisk();
std::unique_ptr<Descriptor> MakeHaralick();
std::unique_ptr<Descriptor> MakeLbp();
std::unique_ptr<Descriptor> MakeTas();
std::unique_ptr<Descriptor> MakePftas();
std::unique_ptr<Descriptor> MakeZernike();
std::unique_ptr<Descriptor> MakeHog();
// The MPEG-7 descriptors (mpeg7_texture.cc, mpeg7_colour.cc).
std::unique_ptr<Descriptor> MakeEhd();
std::unique_ptr<Descriptor> MakeHtd2();
std::unique_ptr<Descriptor> MakeCld();
std::unique_ptr<Descriptor> MakeScd();
std::unique_ptr<Descriptor> MakeCsd();
std::unique_ptr<Descriptor> MakeDcd();

// The input's pixels as an OpenCV matrix over the same memory (CV_8UC1 or CV_8UC3, RGB order).
inline cv::Mat PixelsMat(const imaging::DecodedPixels& p) {
  return cv::Mat(p.height, p.width, CV_8UC(p.bands), const_cast<std::uint8_t*>(p.values.data()));
}

// The distinct labels of a mask, ascending; {0} when there is none.
std::vector<std::int32_t> LabelsOf(const LabelMask* mask);

}  // namespace vitrine::features
